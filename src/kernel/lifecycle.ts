/**
 * The kernel-wide registry of live plotters, and every way a session ends in the kernel process.
 *
 *  - process exit (tslab exits when its event loop drains after a shutdown or restart request),
 *    SIGTERM (jupyter_client's escalation), SIGHUP, and SIGINT where it really kills the process:
 *    signal-exit runs our synchronous cleanup, then lets the signal kill the process as it would have;
 *  - a release request from the JupyterLab extension, on its comm (see src/protocol), when the
 *    plotter's last output is closed, cleared or deleted; it is handled at once, also while a cell
 *    runs a training loop, and the registry tells the extension of every session that ends;
 *  - tslab's interrupt (SIGINT with tslab's own handler installed): running encodes stop and their
 *    partial files are removed; the kernel and the plotters live on.
 *
 * The registry hangs on globalThis so that two copies of this package in one kernel share it.
 */
import * as fs from 'fs';
import { onExit } from 'signal-exit';
import {
  KERNEL_COMM_TARGET,
  CleanupReport,
  KernelEvent,
  KernelReply,
  KernelRequest,
  ReleaseReply,
  cleanupFailureMessage
} from '../protocol';
import { onTslabShutdownRequest, runningInTslab } from './tslab-bridge';
import { tslabComms, type Comm } from './tslab-comms';

/** Where, on `globalThis` of the kernel process, the registry hangs (the same in every copy of this package). */
const KERNEL_REGISTRY_KEY = 'metrics-plotter.kernel-registry.v1';

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
  /** The extension's comms (one per kernel connection of a JupyterLab page). */
  private readonly extensionComms = new Set<Comm>();

  add(plotter: ManagedPlotter): void {
    this.plotters.set(plotter.id, plotter);
  }

  /** A plotter's session ended: it leaves the registry, and every page of the extension hears how. */
  ended(plotter: ManagedPlotter, report: CleanupReport): void {
    this.plotters.delete(plotter.id);
    this.tell({ event: 'ended', plotterId: plotter.id, report });
  }

  /** Serves the extension's comm target (a no-op outside tslab). */
  serveExtension(): void {
    tslabComms()?.registerTarget(KERNEL_COMM_TARGET, comm => {
      this.extensionComms.add(comm);
      comm.onClose(() => this.extensionComms.delete(comm));
      comm.onMsg(data => {
        const reply = this.answer(data as KernelRequest);
        if (reply) comm.send(reply as unknown as Record<string, unknown>);
      });
    });
  }

  private answer(request: KernelRequest): KernelReply | null {
    if (request?.request === 'release' && typeof request.plotterId === 'string' && typeof request.viewId === 'string') {
      const plotter = this.plotters.get(request.plotterId);
      const reply: ReleaseReply = plotter
        ? plotter.releaseView(request.viewId)
        : { plotterId: request.plotterId, outcome: 'unknown' };
      return { reply: 'release', ...reply };
    }
    return null; // a request of a newer extension: it falls back on what it can see itself
  }

  private tell(event: KernelEvent): void {
    for (const comm of this.extensionComms) {
      try {
        comm.send(event as unknown as Record<string, unknown>);
      } catch {
        /* the kernel's sockets are closing: the extension learns of the end from the server */
      }
    }
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
    r.serveExtension();
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
