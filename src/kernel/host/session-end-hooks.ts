/**
 * Every way a session ends in the kernel process, hooked once per process (the table of session
 * ends and what each removes is in docs/cleanup.md):
 *
 *  - process exit (tslab exits when its event loop drains after a shutdown or restart request),
 *    SIGTERM (jupyter_client's escalation), SIGHUP, and SIGINT where it really kills the process:
 *    signal-exit runs our synchronous cleanup, then lets the signal kill the process as it would have;
 *  - a shutdown or restart request: tslab's handler is hooked, so the files are gone before its reply;
 *  - tslab's interrupt (SIGINT with tslab's own handler installed): running encodes stop and their
 *    partial files are removed; the kernel and the plotters live on.
 *
 * A release from the extension (the last output of a view went away) is a request: extension-requests.ts.
 */
import { onExit } from 'signal-exit';
import type { SessionEnds } from './contracts';
import { onTslabShutdownRequest, runningInTslab } from './tslab-bridge';

export function hookSessionEnds(registry: SessionEnds): void {
  // A shutdown or restart request ends every session at once, before the process goes.
  onTslabShutdownRequest(() => registry.endAll());
  // Signal listeners are added on the next turn of the event loop, never while a cell's code runs:
  // tslab runs cells with vm's breakOnSigint, which, for the length of the cell's synchronous part,
  // stashes the SIGINT listeners and swaps in a watchdog that restores the old signal disposition
  // when it ends. A SIGINT listener added in between loses its OS handler, and the next interrupt
  // from JupyterLab kills the kernel outright instead of interrupting it (docs/cleanup.md, limits).
  setImmediate(() => {
    onExit(() => registry.endAll());
    if (runningInTslab()) {
      // tslab's own SIGINT listener turns the signal into an interrupt (the kernel survives);
      // signal-exit sees that listener and stays out of it. We only stop encodes that are running.
      process.on('SIGINT', () => registry.interruptEncodes());
    }
  });
}
