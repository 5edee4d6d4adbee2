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
  ExtensionHello,
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

/** A reply's data and its binary buffers. */
export interface Answer {
  data: KernelReply;
  buffers: ArrayBufferView[];
}

export interface ManagedPlotter {
  readonly id: string;
  /** The frontend no longer shows this view; close when it was the last. */
  releaseView(viewId: string): ReleaseReply;
  /** A request about this plotter's data from the extension's comm (subscribe, unsubscribe, range). */
  answer(request: Exclude<KernelRequest, { request: 'release' }>, comm: Comm): Answer;
  /** The extension's comm closed (its page went away). */
  dropComm(comm: Comm): void;
  /** A page that renders widget models attached: shown views open theirs. */
  widgetsRendered(): void;
  /** Synchronous end of session at process exit: stop encoders, remove assets. */
  endAtExit(): CleanupReport;
  /** tslab interrupt: stop running encodes and remove their partial files. */
  interruptEncodes(): void;
}

export class KernelRegistry {
  readonly plotters = new Map<string, ManagedPlotter>();
  /** The extension's comms (one per kernel connection of a JupyterLab page). */
  private readonly extensionComms = new Set<Comm>();
  /** Those of pages that render widget models (ExtensionHello.widgets). */
  private readonly widgetPages = new Set<Comm>();

  /** Whether a page that renders the plotter's widget models is attached. */
  get rendersWidgets(): boolean {
    return this.widgetPages.size > 0;
  }

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
    tslabComms()?.registerTarget(KERNEL_COMM_TARGET, (comm, hello) => {
      this.extensionComms.add(comm);
      if ((hello as Partial<ExtensionHello>).widgets === true) {
        this.widgetPages.add(comm);
        for (const plotter of this.plotters.values()) plotter.widgetsRendered();
      }
      comm.onClose(() => {
        this.extensionComms.delete(comm);
        this.widgetPages.delete(comm);
        for (const plotter of this.plotters.values()) plotter.dropComm(comm);
      });
      comm.onMsg(data => {
        const answer = this.answer(data as KernelRequest, comm);
        if (answer) comm.send(answer.data as unknown as Record<string, unknown>, answer.buffers);
      });
    });
  }

  private answer(request: KernelRequest, comm: Comm): Answer | null {
    if (!request || typeof request.plotterId !== 'string') return null;
    const plotterId = request.plotterId;
    const plotter = this.plotters.get(plotterId);
    switch (request.request) {
      case 'release': {
        const reply: ReleaseReply = plotter ? plotter.releaseView(String(request.viewId)) : { plotterId, outcome: 'unknown' };
        return { data: { reply: 'release', ...reply }, buffers: [] };
      }
      case 'subscribe':
      case 'unsubscribe':
      case 'range':
        if (plotter) return plotter.answer(request, comm);
        // A plotter this process does not know (closed, or an output of an earlier process).
        return { data: unknownPlotter(request), buffers: [] };
      default:
        return null; // a request of a newer extension: it falls back on what it can see itself
    }
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

/** The answer about a plotter this kernel process does not know. */
function unknownPlotter(request: Exclude<KernelRequest, { request: 'release' }>): KernelReply {
  const { plotterId } = request;
  switch (request.request) {
    case 'subscribe':
      return { reply: 'subscribe', plotterId, known: false, startedAt: null, series: [] };
    case 'unsubscribe':
      return { reply: 'unsubscribe', plotterId };
    case 'range':
      return { reply: 'range', plotterId, known: false, axis: request.axis, min: request.min, max: request.max, series: [] };
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
