/**
 * The kernel-wide registry: the live plotters of this kernel process and the extension's pages
 * attached to it. It is the one owner of that state; how sessions end (session-end-hooks.ts) and
 * what pages ask (extension-requests.ts) act through it. See docs/architecture.md.
 *
 * The registry hangs on globalThis so that two copies of this package in one kernel share it.
 */
import * as fs from 'fs';
import {
  cleanupFailureMessage,
  type CleanupReport,
  type KernelEvent,
  type KernelReply,
  type KernelRequest,
  type ReleaseReply
} from '../../protocol';
import { serveExtension } from './extension-requests';
import { hookSessionEnds } from './session-end-hooks';
import { ViewLeases, leaseMs, type HeldView } from './view-leases';
import { KernelWatchdog } from './watchdog';

/** Where, on `globalThis` of the kernel process, the registry hangs (the same in every copy of this package). */
const KERNEL_REGISTRY_KEY = 'metrics-plotter.kernel-registry.v1';

/** The kernel's end of one page's comm, as the plotter's parts use it. */
export interface PageComm {
  readonly closed: boolean;
  /** False when it could not go (the comm closed, or the process is exiting). */
  send(data: Record<string, unknown>, buffers?: ArrayBufferView[]): boolean;
}

/** A reply's data and its binary buffers. */
export interface Answer {
  data: KernelReply;
  buffers: ArrayBufferView[];
}

/** A page's request about one plotter's data, which the plotter answers itself. */
export type PlotterRequest = Exclude<KernelRequest, { request: 'release' | 'hold' | 'leave' }>;

/** What the registry and the host need of a plotter (the object users get has none of this). */
export interface ManagedPlotter {
  readonly id: string;
  /** The folder it writes its assets into (the kernel's watchdog watches it). */
  readonly root: string;
  /** The frontend no longer shows this view; close when it was the last. */
  releaseView(viewId: string): ReleaseReply;
  /**
   * Whether a page shows the plotter: every page that held one of its views went away without
   * releasing it (false), or one holds a view again (true). Unwatched, it keeps no files.
   */
  setWatched(watched: boolean): void;
  /** A request about this plotter's data from a page (subscribe, unsubscribe, range). */
  answer(request: PlotterRequest, comm: PageComm): Answer;
  /** A page's comm closed (the page went away). */
  dropComm(comm: PageComm): void;
  /** A page that renders widget models attached: shown views open theirs. */
  widgetsRendered(): void;
  /** Synchronous end of session at process exit: stop encoders, remove assets. */
  endAtExit(): CleanupReport;
  /** An interrupt: stop running encodes and remove their partial files. */
  interruptEncodes(): void;
}

export class KernelRegistry {
  private readonly plotters = new Map<string, ManagedPlotter>();
  /** The extension's comms (one per kernel connection of a JupyterLab page). */
  private readonly pages = new Set<PageComm>();
  /** Those of pages that render widget models (ExtensionHello.widgets). */
  private readonly widgetPages = new Set<PageComm>();
  /** What removes the plotters' files should this process be killed (watchdog.ts). */
  private watchdog: KernelWatchdog | null = null;
  /** Which pages hold which views (view-leases.ts); checked by a timer once a page holds one. */
  private readonly leases = new ViewLeases<PageComm>(leaseMs());
  private leaseTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a page that renders the plotter's widget models is attached. */
  get rendersWidgets(): boolean {
    return this.widgetPages.size > 0;
  }

  add(plotter: ManagedPlotter): void {
    this.plotters.set(plotter.id, plotter);
    this.watchdog ??= KernelWatchdog.start();
    this.watchdog.watch(plotter.root);
  }

  /** The kernel's watchdog (started with its first plotter), for tests. */
  get watchdogPid(): number | undefined {
    return this.watchdog?.pid;
  }

  plotter(id: string): ManagedPlotter | undefined {
    return this.plotters.get(id);
  }

  /** A plotter's session ended: it leaves the registry, and every page of the extension hears how. */
  ended(plotter: ManagedPlotter, report: CleanupReport): void {
    this.plotters.delete(plotter.id);
    this.leases.forget(plotter.id);
    this.tell({ event: 'ended', plotterId: plotter.id, report });
  }

  /** A page attached its comm. */
  pageAttached(comm: PageComm, rendersWidgets: boolean): void {
    this.pages.add(comm);
    if (!rendersWidgets) return;
    this.widgetPages.add(comm);
    for (const plotter of this.plotters.values()) plotter.widgetsRendered();
  }

  /** A page's comm closed: its holds end soon (a page that reconnects renews them on a new comm). */
  pageDetached(comm: PageComm): void {
    this.leases.leaveAll(comm, this.now());
    this.pages.delete(comm);
    this.widgetPages.delete(comm);
    for (const plotter of this.plotters.values()) plotter.dropComm(comm);
  }

  /** A page shows a view; whether the plotter is open here, and how often the page renews its hold. */
  hold(page: PageComm, view: HeldView): { known: boolean; renewMs: number } {
    const plotter = this.plotters.get(view.plotterId);
    if (plotter) {
      this.leases.hold(page, view, this.now());
      plotter.setWatched(true);
      this.leaseTimer ??= this.startLeaseTimer();
    }
    return { known: plotter !== undefined, renewMs: this.leases.renewMs };
  }

  /** A page is going away (hidden for unload): its hold on the view ends soon unless renewed. */
  leave(page: PageComm, view: HeldView): void {
    this.leases.leave(page, view, this.now());
  }

  /** A page no longer shows a view: the plotter lets go of it unless another page holds it. */
  release(page: PageComm, view: HeldView): ReleaseReply {
    const plotter = this.plotters.get(view.plotterId);
    if (!plotter) return { plotterId: view.plotterId, outcome: 'unknown' };
    if (this.leases.letGo(page, view, this.now()).heldElsewhere) return { plotterId: view.plotterId, outcome: 'kept' };
    return plotter.releaseView(view.viewId);
  }

  /**
   * Checks the leases a few times per lease: plotters whose last holding page went silent are
   * unwatched. A check that comes late means a cell's synchronous code held the event loop: holds
   * queued meanwhile are not read yet, so that time does not count against any lease.
   */
  private startLeaseTimer(): ReturnType<typeof setInterval> {
    let lastCheck = this.now();
    const timer = setInterval(() => {
      const now = this.now();
      const late = now - lastCheck - this.leases.checkMs;
      lastCheck = now;
      if (late > this.leases.checkMs) return this.leases.extend(late);
      for (const id of this.leases.expire(now)) this.plotters.get(id)?.setWatched(false);
    }, this.leases.checkMs);
    timer.unref?.();
    return timer;
  }

  /** Every page hears the event; at process exit the sockets may be closing, and nothing more is owed. */
  private tell(event: KernelEvent): void {
    for (const comm of this.pages) comm.send(event as unknown as Record<string, unknown>);
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
      if (!report.ok) writeToServerLog(cleanupFailureMessage(report.failures));
    }
  }

  interruptEncodes(): void {
    for (const plotter of this.plotters.values()) plotter.interruptEncodes();
  }
}

/**
 * Writes to the kernel's own stderr, which the Jupyter server logs: for what happens while no cell
 * runs (fd 2 directly: tslab points process.stderr.write at a cell's output, or a closed socket).
 */
export function writeToServerLog(text: string): void {
  try {
    fs.writeSync(2, text + '\n');
  } catch {
    /* nowhere left to report */
  }
}

/** This kernel process's registry; the first call serves the extension and hooks every session end. */
export function kernelRegistry(): KernelRegistry {
  const key = Symbol.for(KERNEL_REGISTRY_KEY);
  const holder = globalThis as unknown as Record<symbol, KernelRegistry | undefined>;
  let registry = holder[key];
  if (!registry) {
    registry = holder[key] = new KernelRegistry();
    serveExtension(registry);
    hookSessionEnds(registry);
  }
  return registry;
}
