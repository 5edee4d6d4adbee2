/**
 * The kernel's watchdog: what removes the plotters' files when the kernel process is killed
 * (SIGKILL, the OOM killer, a restart of a kernel that does not answer) and no hook of its own can
 * run. A shell in a session of its own waits for the kernel's end of a pipe to close, then starts
 * Node (or Deno) on this file to sweep that kernel's folders. Design and limits: docs/cleanup.md, "The
 * watchdog".
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { processStartTime } from '../files/manifest';
import { sweepOrphans } from '../files/sweep';
import { denoScriptRunner, runningInDeno } from './deno-bridge';

/** The watchdog's name in `ps`: `sh -c … metrics-plotter-watchdog <kernel pid>`. */
const WATCHDOG_NAME = 'metrics-plotter-watchdog';

/**
 * Reads folders until the kernel closes the pipe (by ending), then hands them to the kernel's
 * runtime (Node, or Deno with its script runner's flags: no spaces in them, so they split as meant).
 * `read` and `set` are shell builtins: nothing else runs while it waits. A line cut short by the
 * kernel's death is not a folder and is dropped (`read` fails on it).
 */
const WAIT_THEN_REAP = `set --
while IFS= read -r folder; do set -- "$@" "$folder"; done
exec "$MP_RUNTIME" $MP_RUNTIME_ARGS "$MP_REAPER" "$MP_KERNEL_PID" "$MP_KERNEL_START" "$@"`;

export class KernelWatchdog {
  private readonly folders = new Set<string>();

  private constructor(private readonly child: ChildProcess | null) {}

  /** Starts this process' watchdog; where there is no POSIX shell, none (the sweep remains). */
  static start(): KernelWatchdog {
    if (process.platform === 'win32' || !fs.existsSync('/bin/sh')) return new KernelWatchdog(null);
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', WAIT_THEN_REAP, WATCHDOG_NAME, String(process.pid)], {
        detached: true, // its own session: a kill of the kernel's process group does not reach it
        stdio: ['pipe', 'ignore', 'ignore'],
        env: {
          ...process.env,
          MP_RUNTIME: process.execPath,
          MP_RUNTIME_ARGS: runningInDeno() ? denoScriptRunner().join(' ') : '',
          MP_REAPER: __filename,
          MP_KERNEL_PID: String(process.pid),
          MP_KERNEL_START: processStartTime(process.pid) ?? ''
        }
      });
    } catch {
      return new KernelWatchdog(null);
    }
    child.on('error', () => undefined); // no shell after all: the sweep remains
    child.stdin?.on('error', () => undefined); // the watchdog was killed: likewise
    // Neither the watchdog nor its pipe keeps the kernel alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return new KernelWatchdog(child);
  }

  /** The watchdog's process id (tests kill it to check the sweep that remains). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Tells the watchdog a folder this kernel's plotters write into. */
  watch(folder: string): void {
    if (this.folders.has(folder) || !this.child?.stdin?.writable) return;
    this.folders.add(folder);
    this.child.stdin.write(`${encodeURIComponent(folder)}\n`);
  }
}

/** The watchdog's second half, once the kernel is gone: `node watchdog.js <pid> <start> <folder>…` (or `deno run …`). */
function reap([pid, processStart, ...folders]: string[]): void {
  const kernel = { pid: Number(pid), processStart: processStart || null };
  if (!Number.isInteger(kernel.pid) || kernel.pid <= 0) return;
  for (const folder of new Set(folders.map(f => decodeURIComponent(f)))) {
    try {
      sweepOrphans(folder, { endedKernel: kernel });
    } catch {
      /* what is left, the next plotter in the folder and `clean` find and report */
    }
  }
}

if (require.main === module) reap(process.argv.slice(2));
