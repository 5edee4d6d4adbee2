/**
 * The plotter's line to the notebook: tslab's display machinery, reached in the running kernel.
 *
 * tslab hooks `require("tslab")` only for cell code; a library requiring it would load a second,
 * never-connected copy (its display throws "Not ready"). So we find the kernel's own instance in
 * require.cache. We call its display writer directly rather than the public `display.raw()`, because
 * the public API sends one MIME type a message and we want a bundle: our JSON plus a text fallback
 * that tells users without the JupyterLab extension what to install.
 */
import * as path from 'path';

type WriteDisplayData = (
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id: string } },
  update: boolean
) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
  ZmqServer?: { prototype: TslabServerPrototype };
}

/** The methods of tslab's ZmqServer this package extends (shutdown hooks here, comms in tslab-comms.ts). */
export type TslabServerPrototype = {
  handleShutdown?: (...args: unknown[]) => unknown;
  handleShellMessage?: (...args: never[]) => unknown;
} & Record<string | symbol, unknown>;

let found: TslabJupyterModule | null = null;

function tslabJupyterModule(): TslabJupyterModule | null {
  if (found) return found;
  const suffix = `${path.sep}tslab${path.sep}dist${path.sep}jupyter.js`;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (file.endsWith(suffix) && mod && 'lastWriteDisplayData' in (mod.exports as object)) {
      return (found = mod.exports as TslabJupyterModule);
    }
  }
  return null;
}

/** tslab's ZmqServer prototype in this kernel process; null outside tslab. */
export function tslabServerPrototype(): TslabServerPrototype | null {
  return tslabJupyterModule()?.ZmqServer?.prototype ?? null;
}

/** True inside a tslab kernel process. */
export function runningInTslab(): boolean {
  return tslabJupyterModule() !== null;
}

const SHUTDOWN_HOOKS = Symbol.for('metrics-plotter.tslab-shutdown-hooks.v1');

/**
 * Runs `hook` synchronously when tslab receives a shutdown request (a shutdown or a restart from
 * Jupyter), before tslab replies: the assets are gone by the time Jupyter sees the reply, however
 * the process ends afterwards (jupyter_client escalates to SIGTERM and SIGKILL when a kernel is
 * slow to exit, e.g. because user code left a timer running). False when not in tslab.
 */
export function onTslabShutdownRequest(hook: () => void): boolean {
  const proto = tslabServerPrototype();
  if (!proto || typeof proto.handleShutdown !== 'function') return false;
  let hooks = proto[SHUTDOWN_HOOKS] as Array<() => void> | undefined;
  if (!hooks) {
    const list: Array<() => void> = (hooks = []);
    proto[SHUTDOWN_HOOKS] = list;
    const original = proto.handleShutdown;
    proto.handleShutdown = function (this: unknown, ...args: unknown[]) {
      for (const h of list) {
        try {
          h();
        } catch {
          /* a hook must never stop the kernel from shutting down */
        }
      }
      return original.apply(this, args);
    };
  }
  hooks.push(hook);
  return true;
}

/** The Jupyter kernel id, read from the connection file name Jupyter passes (kernel-<id>.json). */
export function kernelIdFromArgv(argv: readonly string[] = process.argv): string | null {
  for (const arg of argv) {
    const m = /kernel-([0-9A-Za-z-]+)\.json$/.exec(arg);
    if (m) return m[1];
  }
  return null;
}

let nextId = 0;

/** One output in the notebook, updatable in place (display_data, then update_display_data). */
export class KernelDisplay {
  readonly id = `metrics-plotter-${process.pid}-${Date.now().toString(36)}-${nextId++}`;
  private sent = false;

  /** Sends (or updates) the output; false when there is no notebook to send to. */
  send(bundle: Record<string, unknown>): boolean {
    const write = tslabJupyterModule()?.lastWriteDisplayData;
    if (!write) return false;
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.sent);
    this.sent = true;
    return true;
  }
}
