/**
 * The MIME renderer for plotter outputs: a Lumino widget hosting <mp-plotter-view>. JupyterLab
 * calls renderModel again on the same renderer for every display update, so live training updates
 * redraw in place. The renderer tells the session tracker while its output is on screen, and shows
 * the session's end and any file left behind.
 *
 * The displayed payload is what the notebook saves, so it is small. While the session is live the
 * renderer subscribes to its view over the extension's comm and draws the series the kernel streams
 * (a snapshot at the output's width, then only new points), and a zoom asks the kernel for that
 * range in full detail. A saved notebook reopened later draws from the payload alone.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { PLOTTER_MIME_TYPE, readPayload, type CleanupFailure, type MediaEntry, type PlotterPayload } from '../protocol';
import type { PlotterView } from './components/plotter-view';
import { X_RANGE_EVENT, type XRange } from './components/metric-chart';
import { LiveSeries, decodeChunks } from './live-series';
import type { MediaState } from './components/media-card';
import type { FolderListings, LivePoints, SessionTracker, ViewHandle } from './sessions';
import type { EndReason, ViewStatus } from './view-status';
import './components/plotter-view';

export const RENDERER_CLASS = 'jp-MetricsPlotter';
/** How long a live output whose files are gone waits for the server to say why its session ended. */
export const EARLIER_SESSION_GRACE_MS = 2000;

export class PlotterRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly view: PlotterView;
  private payload: PlotterPayload | null = null;
  private handle: ViewHandle | null = null;
  private handleKey = '';
  private status: ViewStatus = { kind: 'live' };
  private readonly mediaStates = new Map<string, MediaState>();
  /** Media files whose existence on the server was checked (a live output reopened later may have none). */
  private readonly checkedFiles = new Set<string>();
  /** Set while a live output found its files gone and waits to learn why (see resolveNewMedia). */
  private provisional: ReturnType<typeof setTimeout> | null = null;
  /** The series streamed over the comm while the session is live; null before (or without) a subscription. */
  private live: LiveSeries | null = null;
  private liveStartedAt: number | null = null;
  /** Events that came while the snapshot was on its way: applied after it. */
  private pendingEvents: Array<Parameters<LiveSeries['apply']>> | null = null;
  private refreshQueued = false;
  private rangeSeq = 0;
  /** The view this renderer subscribed to, until it unsubscribes. */
  private subscribed: PlotterPayload | null = null;

  constructor(
    private readonly options: IRenderMime.IRendererOptions,
    private readonly tracker: SessionTracker
  ) {
    super();
    this.addClass(RENDERER_CLASS);
    this.view = document.createElement('mp-plotter-view') as PlotterView;
    this.node.appendChild(this.view);
    this.view.addEventListener(X_RANGE_EVENT, e => void this.zoomed((e as CustomEvent<XRange | null>).detail));
    tracker.livePoints.connect(this.onPoints, this);
  }

  /** Points per series a view asks for: twice its width (min and max per pixel), within reason. */
  private get pointsWanted(): number {
    return Math.round(Math.min(4000, Math.max(1200, 2 * (this.node.clientWidth || 800))));
  }

  /** Subscribes to the view's series over the comm; the snapshot replaces the payload's series. */
  private async subscribe(data: PlotterPayload): Promise<void> {
    const live = new LiveSeries(this.pointsWanted);
    this.pendingEvents = [];
    this.live = null;
    this.subscribed = data;
    const answer = await this.tracker.subscribe(data, this.pointsWanted);
    if (this.isDisposed || this.payload?.viewId !== data.viewId || this.payload.plotterId !== data.plotterId) return;
    const pending = this.pendingEvents ?? [];
    this.pendingEvents = null;
    if (answer?.data.reply !== 'subscribe' || !answer.data.known) return; // an older kernel side, or the plotter is gone
    live.apply(answer.data.series, answer.buffers);
    for (const event of pending) live.apply(...event);
    this.live = live;
    this.liveStartedAt = answer.data.startedAt;
    this.refreshView();
  }

  private onPoints(_: unknown, { event, buffers }: LivePoints): void {
    const p = this.payload;
    if (!p || event.plotterId !== p.plotterId || event.viewId !== p.viewId) return;
    if (this.pendingEvents) {
      this.pendingEvents.push([event.series, buffers]);
      return;
    }
    if (!this.live) return;
    this.live.apply(event.series, buffers);
    this.liveStartedAt ??= event.startedAt;
    // Several events can come within one frame: draw once.
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    requestAnimationFrame(() => {
      this.refreshQueued = false;
      if (!this.isDisposed) this.refreshView();
    });
  }

  /** The panel zoomed: ask the kernel for that range in full detail (while the session is live). */
  private async zoomed(range: XRange | null): Promise<void> {
    const seq = ++this.rangeSeq;
    const p = this.payload;
    const axis = this.view.xAxis;
    if (!range || !p || !this.live || this.status.kind !== 'live') {
      this.view.rangeDetail = null;
      return;
    }
    const startedAt = p.startedAt ?? this.liveStartedAt ?? 0;
    // Time axes draw seconds (relative, or since the epoch); the kernel keeps ms after startedAt.
    const toKernel = (x: number): number => (axis === 'step' ? x : axis === 'relative' ? x * 1000 : x * 1000 - startedAt);
    const answer = await this.tracker.ask(p, {
      request: 'range',
      plotterId: p.plotterId,
      axis: axis === 'step' ? 'step' : 'time',
      min: toKernel(range.min),
      max: toKernel(range.max),
      points: this.pointsWanted
    });
    if (seq !== this.rangeSeq || this.isDisposed || answer?.data.reply !== 'range' || !answer.data.known) return;
    this.view.rangeDetail = { axis, range, metrics: decodeChunks(answer.data.series, answer.buffers) };
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    // Version 1 outputs (saved by an older metrics-plotter) are read as the current version.
    const data = readPayload(model.data[this.options.mimeType] ?? model.data[PLOTTER_MIME_TYPE]);
    if (!data) {
      this.node.textContent =
        'metrics-plotter: this output was written by a different version of metrics-plotter and cannot be shown. ' +
        'Re-run the cell, or install the matching version of the JupyterLab extension.';
      return;
    }
    const previous = this.payload;
    this.payload = data;
    const key = `${data.kernel.id}/${data.kernel.pid}/${data.plotterId}/${data.viewId}`;
    if (key !== this.handleKey) {
      this.handle?.dispose();
      this.unsubscribe();
      this.handleKey = key;
      this.status = { kind: 'live' };
      this.handle = this.tracker.attach(data, why => void this.sessionEnded(why));
      if (data.state === 'live' && data.kernel.id) void this.subscribe(data);
    }
    if (data.state === 'closed') {
      // plotter.close() ran in the kernel; its cleanup report is authoritative.
      const failures = data.cleanup?.failures ?? [];
      this.status = { kind: 'ended', why: 'closed', left: failures };
      for (const v of data.media) this.mediaStates.set(v.path, leftOrRemoved(v, failures));
      this.handle?.forget();
      this.handle = null;
    } else if (this.status.kind === 'live') {
      await this.resolveNewMedia(data, previous);
    }
    this.refreshView();
  }

  /** Stops drawing the stream of the view this renderer subscribed to (nothing waits on the kernel). */
  private unsubscribe(): void {
    if (!this.subscribed) return;
    this.tracker.unsubscribe(this.subscribed);
    this.subscribed = null;
    this.live = null;
  }

  private refreshView(): void {
    const p = this.payload;
    // While live, the streamed series (every metric, at the output's width) stand in for the saved ones.
    this.view.payload =
      p && this.live?.size
        ? {
            ...p,
            startedAt: p.startedAt ?? this.liveStartedAt ?? undefined,
            metrics: this.live.metrics(p.metrics),
            omittedMetrics: 0
          }
        : p;
    this.view.status = this.status;
    this.view.mediaStates = new Map(this.mediaStates);
  }

  /** Gives each new media entry its server URL; a file missing on the server was removed by an ended session. */
  private async resolveNewMedia(data: PlotterPayload, previous: PlotterPayload | null): Promise<void> {
    const known = new Set(previous?.media.map(v => v.path) ?? []);
    const fresh = data.media.filter(v => !known.has(v.path) || !this.mediaStates.has(v.path));
    const resolver = this.options.resolver;
    const listings: FolderListings = new Map();
    await Promise.all(
      fresh.map(async v => {
        if (!resolver) {
          this.mediaStates.set(v.path, {
            kind: 'unreachable',
            reason: `This output has no notebook folder to find ${v.path} in.`
          });
          return;
        }
        try {
          const urlPath = await resolver.resolveUrl(v.path);
          if (!this.checkedFiles.has(v.path)) {
            this.checkedFiles.add(v.path);
            if (!(await this.onServer(v, urlPath, listings))) {
              this.mediaStates.set(v.path, { kind: 'removed' });
              return;
            }
          }
          this.mediaStates.set(v.path, { kind: 'playable', url: await resolver.getDownloadUrl(urlPath) });
        } catch (e) {
          this.mediaStates.set(v.path, {
            kind: 'unreachable',
            reason: `Could not reach the Jupyter server for ${v.path}: ${(e as Error).message}`
          });
        }
      })
    );
    // Every file is gone although the payload says live: the session behind it ended. Either the
    // kernel just went (JupyterLab re-creates outputs when a notebook's kernel goes, sometimes before
    // the server's event reaches us: the tracker will say why), or the output outlived its session
    // (the notebook was closed and reopened): say so after a grace period instead of looking live.
    if (
      this.status.kind === 'live' &&
      data.media.length &&
      data.media.every(v => this.mediaStates.get(v.path)?.kind === 'removed')
    ) {
      this.status = { kind: 'checking', why: 'earlier session' };
      this.provisional = setTimeout(() => {
        this.provisional = null;
        if (this.isDisposed || this.status.kind !== 'checking') return;
        this.status = { kind: 'ended', why: 'earlier session', left: [] };
        this.handle?.forget();
        this.handle = null;
        this.refreshView();
      }, EARLIER_SESSION_GRACE_MS);
    }
  }

  /** Whether a media file is on the server; `urlPath` is what the resolver made of its path. */
  private onServer(video: MediaEntry, urlPath: string, listings: FolderListings): Promise<boolean> {
    const serverPath = decodeURIComponent(urlPath);
    const dir = serverPath.endsWith(video.path)
      ? serverPath.slice(0, serverPath.length - video.path.length).replace(/\/$/, '')
      : '';
    return dir || serverPath === video.path
      ? this.tracker.exists(dir, video.path, listings)
      : this.tracker.exists('', serverPath, listings);
  }

  /** The kernel process behind this output ended: check what it left on the server. */
  private async sessionEnded(why: EndReason): Promise<void> {
    if (this.isDisposed || !this.payload) return;
    if (this.status.kind !== 'live' && !this.provisional) return;
    if (this.provisional) clearTimeout(this.provisional);
    this.provisional = null;
    const payload = this.payload;
    this.status = { kind: 'checking', why };
    this.refreshView();
    const left: CleanupFailure[] = [];
    const resolver = this.options.resolver;
    const listings: FolderListings = new Map();
    for (const v of payload.media) {
      let present: boolean;
      try {
        present = !!resolver && (await this.onServer(v, await resolver.resolveUrl(v.path), listings));
      } catch {
        present = false; // the server is unreachable too: nothing can be checked, nothing claimed
      }
      if (present) {
        // The kernel's own report, when it got one out before its process ended, says why exactly.
        const reported = this.tracker.reportOf(payload.plotterId)?.failures.find(f => f.path === v.absolutePath);
        left.push({
          path: v.absolutePath,
          reason:
            reported?.reason ??
            (why === 'died' || why === 'earlier session'
              ? 'the kernel process ended without cleaning up (was it killed?); `npx metrics-plotter clean` also removes it'
              : 'still on disk after the session ended')
        });
      }
      this.mediaStates.set(v.path, present ? { kind: 'left', path: v.absolutePath } : { kind: 'removed' });
    }
    if (this.isDisposed || this.payload !== payload) return;
    this.status = { kind: 'ended', why, left };
    this.refreshView();
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.unsubscribe();
    this.tracker.livePoints.disconnect(this.onPoints, this);
    if (this.provisional) clearTimeout(this.provisional);
    this.handle?.dispose();
    this.handle = null;
    super.dispose();
  }
}

function leftOrRemoved(video: MediaEntry, failures: CleanupFailure[]): MediaState {
  const failed = failures.find(f => f.path === video.absolutePath);
  return failed ? { kind: 'left', path: failed.path } : { kind: 'removed' };
}
