/**
 * The kernel-wide registry of live plotters, and every way a session ends in the kernel process.
 *
 *  - process exit (tslab exits when its event loop drains after a shutdown or restart request),
 *    SIGTERM (jupyter_client's escalation), SIGHUP, and SIGINT where it really kills the process:
 *    signal-exit runs our synchronous cleanup, then lets the signal kill the process as it would have;
 *  - a release request from the JupyterLab extension (see src/protocol) when the plotter's last
 *    output is closed, cleared or deleted;
 *  - tslab's interrupt (SIGINT with tslab's own handler installed): running encodes stop and their
 *    partial files are removed; the kernel and the plotters live on.
 *
 * The registry hangs on globalThis so that two copies of this package in one kernel share it.
 */
import * as fs from 'fs';
import { onExit } from 'signal-exit';
import { KERNEL_REGISTRY_KEY, CleanupReport, ReleaseReply, cleanupFailureMessage, formatReleaseReply } from '../protocol';
import { onTslabShutdownRequest, runningInTslab } from './tslab-bridge';

export interface ManagedPlotter {
  readonly id: string;
  /** The frontend no longer shows this view; close when it was the last. */
  releaseView(viewId: string): ReleaseReply;
  /** Synchronous end of session at process exit: stop encoders, remove assets. */
  endAtExit(): CleanupReport;
  /** tslab interrupt: stop running encodes and remove their partial files. */
  interruptEncodes(): void;
}

export class KernelRegistry {
  readonly plotters = new Map<string, ManagedPlotter>();

  add(plotter: ManagedPlotter): void {
    this.plotters.set(plotter.id, plotter);
  }

  remove(plotter: ManagedPlotter): void {
    this.plotters.delete(plotter.id);
  }

  /** Called by the frontend's release request; answers with one marked stdout line. */
  releaseView(plotterId: string, viewId: string): void {
    const plotter = this.plotters.get(plotterId);
    const reply: ReleaseReply = plotter ? plotter.releaseView(viewId) : { plotterId, outcome: 'unknown' };
    process.stdout.write(formatReleaseReply(reply));
  }

  /** Runs at process exit; writes failures to the real stderr (no cell is left to show them). */
  endAll(): void {
    for (const plotter of [...this.plotters.values()]) {
      let report: CleanupReport;
      try {
        report = plotter.endAtExit();
      } catch (err) {
        report = { ok: false, removed: [], failures: [{ path: '(unknown)', reason: String(err) }] };
      }
      if (!report.ok) {
        // fd 2 directly: tslab points process.stderr.write at a socket that is closed by now.
        try {
          fs.writeSync(2, cleanupFailureMessage(report.failures) + '\n');
        } catch {
          /* nowhere left to report */
        }
      }
    }
  }

  interruptEncodes(): void {
    for (const plotter of this.plotters.values()) plotter.interruptEncodes();
  }
}

export function kernelRegistry(): KernelRegistry {
  const key = Symbol.for(KERNEL_REGISTRY_KEY);
  const holder = globalThis as unknown as Record<symbol, KernelRegistry | undefined>;
  let registry = holder[key];
  if (!registry) {
    registry = holder[key] = new KernelRegistry();
    const r = registry;
    // A shutdown or restart request ends every session at once, before the process goes.
    onTslabShutdownRequest(() => r.endAll());
    // Signal listeners are added on the next turn of the event loop, never while a cell's code runs:
    // tslab runs cells with vm's breakOnSigint, which, for the length of the cell's synchronous part,
    // stashes the SIGINT listeners and swaps in a watchdog that restores the old signal disposition
    // when it ends. A SIGINT listener added in between loses its OS handler, and the next interrupt
    // from JupyterLab kills the kernel outright instead of interrupting it (measured; see README).
    setImmediate(() => {
      onExit(() => r.endAll());
      if (runningInTslab()) {
        // tslab's own SIGINT listener turns the signal into an interrupt (the kernel survives);
        // signal-exit sees that listener and stays out of it. We only stop encodes that are running.
        process.on('SIGINT', () => r.interruptEncodes());
      }
    });
  }
  return registry;
}
