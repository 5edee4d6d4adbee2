/**
 * The frontend's side of "the session ends": which plotter outputs are on screen, which kernels
 * they belong to, and what happened to those kernels.
 *
 * - When the last output of a plotter view goes away (output cleared, cell deleted, notebook
 *   closed) the view is released over the extension's comm with that kernel (kernel-channel.ts, on
 *   a connection this extension owns, which outlives any notebook panel), and the kernel closes the
 *   plotter once no view of it is left. The reply's cleanup report comes back on the comm; a failure
 *   there becomes a JupyterLab notification, since no output is left to show it. The kernel also
 *   reports every session that ends on that comm (kept here for the panels' messages).
 * - While an output of a view is on screen the page holds the view in the kernel, a lease renewed
 *   as often as the kernel asks; a page that goes away without releasing (its tab closed or
 *   crashed) stops renewing, and the kernel lets go of its views when the lease runs out. A page
 *   being hidden for unload says it is leaving, which shortens its leases (a reload comes back in
 *   time). See docs/cleanup.md, "Pages that go away".
 * - The end of the kernel process is learnt from the Jupyter server: its kernel_actions events
 *   (restart and shutdown from any client), the kernel's status on our connection (autorestart
 *   after a crash, dead) and the list of running kernels. A restart keeps the kernel id but not the
 *   process, so sessions are keyed by kernel id and process id together. A page whose server tells
 *   nothing of its kernels (Voilà's: no list, no events) finds each by id and learns of its end when
 *   the kernel's websocket drops and the server no longer knows it (kernel-watch.ts).
 */
import type { Event } from '@jupyterlab/services';
import { Signal, type ISignal } from '@lumino/signaling';
import {
  PLAIN_PAGE,
  cleanupFailureMessage,
  viewKey,
  type CleanupReport,
  type ExtensionHello,
  type KernelReply,
  type KernelRequest,
  type PlotterPayload,
  type ReleaseReply
} from '../../protocol';
import type { WithBuffers } from './kernel-channel';
import { KernelWatch, type EndListener, type PlotterServices } from './kernel-watch';
import { existsOnServer } from './server-files';
import type { EndReason, FolderListings, LiveEvent, ViewHandle, ViewSessions } from './view-sessions';

export type { PlotterServices };

/** How long a released output may take to come back (a cell moved, re-rendered) before the kernel is told. */
export const RELEASE_DELAY_MS = 1000;
const KERNEL_ACTIONS_SCHEMA = 'https://events.jupyter.org/jupyter_server/kernel_actions/v1';

interface ViewRecord {
  payload: PlotterPayload;
  shown: number;
  releaseTimer: ReturnType<typeof setTimeout> | null;
}

export class SessionTracker implements ViewSessions {
  private readonly watches = new Map<string, KernelWatch>();
  /**
   * Why the processes of kernels no longer watched ended. JupyterLab re-creates outputs when a
   * notebook's kernel goes away, and the new output must learn "shut down", not "earlier session".
   */
  private readonly endedBefore = new Map<string, Map<number, EndReason>>();
  private readonly views = new Map<string, ViewRecord>();
  /** Outputs drawing each view's live series, by view key. */
  private readonly subscribers = new Map<string, number>();
  /** What the kernel said each ended plotter's cleanup did, by plotter id. */
  private readonly reports = new Map<string, CleanupReport>();
  private readonly live = new Signal<this, LiveEvent>(this);
  /** Renews this page's holds while it shows views, as often as the kernels ask (the shortest). */
  private renewal: { timer: ReturnType<typeof setInterval>; everyMs: number } | null = null;

  /** New points and bundles of subscribed views, from every kernel. */
  get liveEvents(): ISignal<this, LiveEvent> {
    return this.live;
  }

  constructor(
    private readonly services: PlotterServices,
    /**
     * Tells the user when no output can: a JupyterLab notification in the extension. JupyterLab
     * cuts toasts at 140 characters, so `summary` is the toast and `details` (with every path) is
     * one click away.
     */
    private readonly notify: (summary: string, details: string) => void,
    private readonly releaseDelayMs = RELEASE_DELAY_MS,
    /** What this page tells each kernel (whether it renders the plotter's widget models). */
    private readonly hello: ExtensionHello = PLAIN_PAGE,
    /**
     * Whether the page's outputs are updated in place by their displays. Voilà's are not (each is
     * rendered once, as its cell finished): their subscriptions ask the kernel for the bundles.
     */
    private readonly displayUpdates = true
  ) {
    services.events?.stream.connect((_, event) => this.onServerEvent(event));
    services.kernels.runningChanged.connect((_, models) => {
      for (const watch of [...this.watches.values()]) {
        if (!models.some(m => m.id === watch.kernelId)) watch.gone('shut down');
      }
    });
  }

  private onServerEvent(event: Event.Emission): void {
    if (event.schema_id !== KERNEL_ACTIONS_SCHEMA || event.status !== 'success') return;
    const watch = this.watches.get(String(event.kernel_id));
    if (!watch) return;
    if (event.action === 'restart') void watch.restarted();
    else if (event.action === 'shutdown') watch.gone('shut down');
  }

  private watch(kernelId: string): KernelWatch {
    let watch = this.watches.get(kernelId);
    if (!watch) {
      watch = new KernelWatch(
        kernelId,
        this.services,
        w => {
          if (this.watches.get(w.kernelId) === w) this.watches.delete(w.kernelId);
          this.endedBefore.set(w.kernelId, new Map([...(this.endedBefore.get(w.kernelId) ?? []), ...w.endedProcesses()]));
          w.dispose();
        },
        (event, buffers) => {
          if (event.event === 'ended') this.reports.set(event.plotterId, event.report);
          else this.live.emit({ event, buffers });
        },
        this.hello,
        this.endedBefore.get(kernelId)
      );
      this.watches.set(kernelId, watch);
    }
    return watch;
  }

  /**
   * An output of this view is on screen. `onEnd` is called once, when the kernel process behind it
   * ends. Disposing the handle (the output went away) releases the view if no other output of it
   * is left after RELEASE_DELAY_MS.
   */
  attach(payload: PlotterPayload, onEnd: EndListener): ViewHandle {
    const kernelId = payload.kernel.id;
    if (payload.state === 'closed' || !kernelId) return { dispose: () => undefined, forget: () => undefined };
    const key = viewKey(payload);
    const record = this.views.get(key) ?? { payload, shown: 0, releaseTimer: null };
    record.payload = payload;
    record.shown++;
    if (record.releaseTimer) clearTimeout(record.releaseTimer);
    record.releaseTimer = null;
    this.views.set(key, record);

    const watch = this.watch(kernelId);
    const endedWhy = watch.endedWhy(payload.kernel.pid);
    if (endedWhy) queueMicrotask(() => onEnd(endedWhy));
    else {
      void this.hold(payload);
      watch.listen(payload.kernel.pid, onEnd);
      // So that a crash of this kernel is heard, and the end of its sessions reported, even if
      // nothing is released.
      watch
        .channel(payload.kernel.pid)
        .then(channel => channel?.open())
        .catch(() => undefined);
    }
    let disposed = false;
    return {
      forget: () => {
        if (disposed) return;
        disposed = true;
        watch.unlisten(onEnd);
        record.shown--;
        if (record.shown <= 0) this.views.delete(key);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        watch.unlisten(onEnd);
        record.shown--;
        if (record.shown > 0) return;
        record.releaseTimer = setTimeout(() => {
          record.releaseTimer = null;
          if (record.shown > 0) return;
          this.views.delete(key);
          void this.release(record.payload);
        }, this.releaseDelayMs);
      }
    };
  }

  /** Holds a view in its kernel (a lease); the kernel's reply says how often to renew it. */
  private async hold(payload: PlotterPayload): Promise<void> {
    const answer = await this.ask(payload, { request: 'hold', plotterId: payload.plotterId, viewId: payload.viewId });
    const reply = answer?.data.reply === 'hold' ? answer.data : null;
    if (!reply?.known || !(reply.renewMs > 0)) return;
    if (this.renewal && this.renewal.everyMs <= reply.renewMs) return;
    if (this.renewal) clearInterval(this.renewal.timer);
    this.renewal = { timer: setInterval(() => this.renewHolds(), reply.renewMs), everyMs: reply.renewMs };
  }

  /** Renews the holds of every view this page shows (also when the page is shown again). */
  renewHolds(): void {
    const shown = [...this.views.values()].filter(r => r.shown > 0);
    if (!shown.length && this.renewal) {
      clearInterval(this.renewal.timer);
      this.renewal = null;
    }
    for (const record of shown) void this.hold(record.payload);
  }

  /**
   * The page is being hidden for unload (pagehide): its kernels shorten its holds, best effort. A
   * page that can never come back to its kernels (`forGood`: Voilà's, whose every visit starts a
   * kernel of its own) releases its views outright, so their files go now.
   */
  leaving(forGood = false): void {
    for (const record of this.views.values()) {
      const { plotterId, viewId } = record.payload;
      if (record.shown <= 0) continue;
      if (forGood) void this.release(record.payload);
      else void this.ask(record.payload, { request: 'leave', plotterId, viewId });
    }
  }

  /** Asks the kernel to release a view; reports a failed cleanup as a notification. */
  async release(payload: PlotterPayload): Promise<ReleaseReply | null> {
    const answer = await this.ask(payload, { request: 'release', plotterId: payload.plotterId, viewId: payload.viewId });
    const reply = answer?.data.reply === 'release' ? (answer.data as ReleaseReply) : null;
    if (reply?.outcome === 'closed' && reply.report && !reply.report.ok) {
      const n = reply.report.failures.length;
      this.notify(
        `metrics-plotter "${payload.title}": cleanup failed, ${n} path${n === 1 ? '' : 's'} left on disk. Delete by hand.`,
        cleanupFailureMessage(reply.report.failures)
      );
    }
    return reply;
  }

  /**
   * A request about a view's plotter to the kernel process behind it; null when that process has
   * ended or the kernel gave no answer.
   */
  async ask(payload: PlotterPayload, request: KernelRequest): Promise<WithBuffers<KernelReply> | null> {
    const watch = this.watches.get(payload.kernel.id ?? '');
    if (!watch || watch.endedWhy(payload.kernel.pid) !== undefined) return null;
    try {
      const channel = await watch.channel(payload.kernel.pid);
      return channel ? await channel.request(request) : null;
    } catch {
      return null; // the kernel went away meanwhile: its exit hook does the cleanup
    }
  }

  /**
   * Subscribes an output to its view's live series; the kernel's snapshot. Outputs of one view
   * share the kernel's subscription (a re-subscribe only resends the snapshot), so that one output
   * going away does not stop the stream of another.
   */
  subscribe(payload: PlotterPayload, points: number): Promise<WithBuffers<KernelReply> | null> {
    const key = viewKey(payload);
    this.subscribers.set(key, (this.subscribers.get(key) ?? 0) + 1);
    const { plotterId, viewId } = payload;
    return this.ask(payload, {
      request: 'subscribe',
      plotterId,
      viewId,
      points,
      ...(this.displayUpdates ? {} : { bundles: true })
    });
  }

  /** An output stops drawing its view's live series; the kernel stops sending once none does. */
  unsubscribe(payload: PlotterPayload): void {
    const key = viewKey(payload);
    const left = (this.subscribers.get(key) ?? 1) - 1;
    if (left > 0) {
      this.subscribers.set(key, left);
      return;
    }
    this.subscribers.delete(key);
    void this.ask(payload, { request: 'unsubscribe', plotterId: payload.plotterId, viewId: payload.viewId });
  }

  /** What the kernel reported of a plotter's cleanup when its session ended there; undefined when nothing came. */
  reportOf(plotterId: string): CleanupReport | undefined {
    return this.reports.get(plotterId);
  }

  exists(dir: string, relPath: string, listings?: FolderListings): Promise<boolean> {
    return existsOnServer(this.services.contents, dir, relPath, listings);
  }
  dispose(): void {
    for (const watch of this.watches.values()) watch.dispose();
    this.watches.clear();
    if (this.renewal) clearInterval(this.renewal.timer);
    this.renewal = null;
    for (const record of this.views.values()) if (record.releaseTimer) clearTimeout(record.releaseTimer);
    this.views.clear();
  }
}
