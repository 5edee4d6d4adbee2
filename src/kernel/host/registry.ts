/**
 * The kernel-wide registry: the live plotters of this kernel process and the extension's pages
 * attached to it, and which page holds which view. It is the one owner of that state. How it is
 * made and reached (one per process, on globalThis) is kernel-registry.ts; what it answers, the
 * contracts in contracts.ts. See docs/architecture.md.
 */
import { cleanupFailureMessage, type CleanupReport, type KernelEvent, type ReleaseReply } from '../../protocol';
import type { ManagedPlotter, RequestRouter, SessionEnds } from './contracts';
import type { PageComm } from './page-comm';
import { writeToServerLog } from './server-log';
import { ViewLeases, leaseMs, type HeldView } from './view-leases';
import { KernelWatchdog } from './watchdog';

/** What the registry needs of the kernel's watchdog (watchdog.ts). */
export interface Watchdog {
  readonly pid: number | undefined;
  /** Removes the plotter's files under `root` should this process be killed. */
  watch(root: string): void;
}

export class KernelRegistry implements RequestRouter, SessionEnds {
  private readonly plotters = new Map<string, ManagedPlotter>();
  /** The extension's comms (one per kernel connection of a JupyterLab page). */
  private readonly pages = new Set<PageComm>();
  /** Those of pages that render widget models (ExtensionHello.widgets). */
  private readonly widgetPages = new Set<PageComm>();
  /** What removes the plotters' files should this process be killed (watchdog.ts). */
  private watchdog: Watchdog | null = null;
  /** Which pages hold which views (view-leases.ts); checked by a timer once a page holds one. */
  private readonly leases = new ViewLeases<PageComm>(leaseMs());
  private leaseTimer: ReturnType<typeof setInterval> | null = null;

  /**
   * `now`: the clock leases are read on; `startWatchdog`: what removes the plotters' files should
   * this process be killed (tests pass stand-ins for both).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly startWatchdog: () => Watchdog = () => KernelWatchdog.start()
  ) {}

  /** Whether a page that renders the plotter's widget models is attached. */
  get rendersWidgets(): boolean {
    return this.widgetPages.size > 0;
  }

  add(plotter: ManagedPlotter): void {
    this.plotters.set(plotter.id, plotter);
    this.watchdog ??= this.startWatchdog();
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
