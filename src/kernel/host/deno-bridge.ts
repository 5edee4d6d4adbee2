/**
 * Deno's Jupyter kernel (`deno jupyter`), as the plotter reaches it: `Deno.jupyter.display` sends
 * and updates outputs in place. What that kernel offers and does not (no comms a page can open, no
 * hook at a shutdown request) and what the plotter does about it: docs/deno.md.
 */

/** The part of `Deno.jupyter` this package uses (deno 2.x, lib.deno.unstable). */
interface DenoJupyter {
  display(
    bundle: Record<string, unknown>,
    options: { raw: boolean; update?: boolean; display_id?: string }
  ): Promise<void> | void;
  /** Sends one message on the kernel's iopub channel, to every page (comm_msg: no comm_open needed). */
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void> | void;
}

/** `Deno.jupyter` inside `deno jupyter --kernel`; null elsewhere (outside Deno, or `deno run`, where reading it throws). */
export function denoJupyter(): DenoJupyter | null {
  const deno = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno;
  if (!deno) return null;
  try {
    return typeof deno.jupyter?.display === 'function' ? deno.jupyter : null;
  } catch {
    return null;
  }
}

/** True inside Deno's Jupyter kernel. */
export function runningInDeno(): boolean {
  return denoJupyter() !== null;
}

/**
 * The kernel's command line: Deno's `process.argv` holds no connection file (`deno jupyter --kernel
 * --conn FILE` is Deno's own command line, not the program's), but the process' does.
 */
export function denoKernelCommandLine(readFile: (file: string) => string): string[] {
  try {
    return readFile('/proc/self/cmdline').split('\0');
  } catch {
    return []; // not Linux: the kernel id stays unknown (docs/deno.md)
  }
}

/**
 * How the watchdog's second half is started once the kernel is gone: Deno runs a script with
 * `deno run`, with every permission (it removes files, and reads /proc to check process identity),
 * reading the CommonJS this package is compiled to.
 */
export function denoScriptRunner(): string[] {
  return ['run', '--allow-all', '--quiet', '--no-config', '--no-lock', '--unstable-detect-cjs'];
}
