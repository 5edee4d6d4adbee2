/**
 * tslab's insides, reached in the running kernel: its display writer, its server's prototype (for
 * the shutdown hook here and comms in tslab-comms.ts).
 *
 * tslab hooks `require("tslab")` only for cell code; a library requiring it would load a second,
 * never-connected copy (its display throws "Not ready"). So we find the kernel's own instance in
 * require.cache. We call its display writer directly rather than the public `display.raw()`, because
 * the public API sends one MIME type a message and we want a bundle: our JSON plus a text fallback
 * that tells users without the JupyterLab extension what to install.
 */
import * as path from 'path';

export type WriteDisplayData = (
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

/** tslab's writer of display_data and update_display_data messages; null outside tslab. */
export function tslabDisplayWriter(): WriteDisplayData | null {
  return tslabJupyterModule()?.lastWriteDisplayData ?? null;
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
