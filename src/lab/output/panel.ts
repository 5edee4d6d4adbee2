/**
 * The panel: a Lumino widget hosting <mp-plotter-panel> (panel-element.ts) that draws one plotter
 * output from its payload. JupyterLab calls renderModel again for every display update, so live
 * training updates redraw in place. The panel tells the page's session tracking while its output is
 * on screen (ViewSessions), streams the live series while the session is live (LiveSubscription),
 * asks the kernel for a zoomed range in full detail, looks its media up on the server, and feeds
 * what it learns of the session to the view's status (view-status.ts). docs/architecture.md has
 * the whole picture.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import {
  PLOTTER_MIME_TYPE,
  readPayload,
  readStills,
  viewKey,
  type CleanupFailure,
  type MediaEntry,
  type PlotterPayload
} from '../../protocol';
import { X_RANGE_EVENT, type XRange } from '../charts/metric-chart';
import { decodeChunks } from '../live/live-series';
import { LiveSubscription } from '../live/live-subscription';
import { MEDIA_KEEP_EVENT } from '../media/media-card';
import { nextMediaState, type MediaState, type MediaStateEvent } from '../media/media-states';
import { mediaFromKernel, mediaOnServer } from '../media/media-files';
import type { EndReason, FolderListings, ViewHandle, ViewSessions } from '../sessions/view-sessions';
import type { PlotterPanelElement } from './panel-element';
import { nextViewStatus, type ViewStatus, type ViewStatusEvent } from './view-status';
import './panel-element';

export const PANEL_CLASS = 'jp-MetricsPlotter';
/** How long a live output whose files are gone waits for the server to say why its session ended. */
export const EARLIER_SESSION_GRACE_MS = 2000;
/** How long after a kernel died its files may still be there while its watchdog removes them. */
const WATCHDOG_GRACE_MS = 2000;
/** A live view asks for its histograms in detail at most this often. */
const HISTOGRAM_DETAIL_MS = 2000;

export class PlotterPanel extends Widget implements IRenderMime.IRenderer {
  private readonly element: PlotterPanelElement;
  private payload: PlotterPayload | null = null;
  /** The view this panel shows, tracked by the page's sessions until it ends. */
  private handle: ViewHandle | null = null;
  private handleKey = '';
  private status: ViewStatus = { kind: 'live' };
  /** Each media file's state, by its entry's path: written by feedMedia only. */
  private readonly mediaStates = new Map<string, MediaState>();
  /** Media files whose existence on the server was checked (a live output reopened later may have none). */
  private readonly checkedFiles = new Set<string>();
  /** Object URLs of media files the kernel sent (revoked when their entry or this panel goes). */
  private readonly blobUrls = new Map<string, string>();
  /** Running while a provisional status waits to learn why the files are gone. */
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The HTML part the stills were last read from. */
  private stillsHtml: unknown = undefined;
  private readonly live: LiveSubscription;
  private refreshQueued = false;
  private rangeSeq = 0;
  /** Histograms in detail: a request in flight, the last steps last asked for, and when. */
  private histograms: { asking: boolean; asked: string; at: number; timer: ReturnType<typeof setTimeout> | null } = {
    asking: false,
    asked: '',
    at: 0,
    timer: null
  };

  constructor(
    private readonly options: IRenderMime.IRendererOptions,
    private readonly sessions: ViewSessions
  ) {
    super();
    this.addClass(PANEL_CLASS);
    this.element = document.createElement('mp-plotter-panel') as PlotterPanelElement;
    this.node.appendChild(this.element);
    this.element.addEventListener(X_RANGE_EVENT, e => void this.zoomed((e as CustomEvent<XRange | null>).detail));
    this.element.addEventListener(MEDIA_KEEP_EVENT, e => void this.keep((e as CustomEvent<{ path: string }>).detail.path));
    // A page that sees no display updates (Voilà's) gets the view's bundle with its points instead.
    this.live = new LiveSubscription(
      sessions,
      () => this.queueRefresh(),
      bundle => void this.renderBundle(bundle)
    );
  }

  /** Points per series a view asks for: twice its width (min and max per pixel), within reason. */
  private get pointsWanted(): number {
    return Math.round(Math.min(4000, Math.max(1200, 2 * (this.node.clientWidth || 800))));
  }

  /** The view's status takes the event (view-status.ts); a provisional status waits out its grace period. */
  private feed(event: ViewStatusEvent): void {
    const before = this.status;
    this.status = nextViewStatus(before, event);
    if (this.status === before) return;
    if (this.graceTimer && !(this.status.kind === 'checking' && this.status.provisional)) {
      clearTimeout(this.graceTimer);
      this.graceTimer = null;
    }
    if (this.status.kind === 'checking' && this.status.provisional && !this.graceTimer) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = null;
        if (this.isDisposed) return;
        this.feed({ event: 'grace over' });
        this.refreshView();
      }, EARLIER_SESSION_GRACE_MS);
    }
    // An ended session is no longer tracked: nothing of it is left to release.
    if (this.status.kind === 'ended' && (event.event === 'closed' || event.event === 'grace over')) {
      this.handle?.forget();
      this.handle = null;
    }
  }

  /** A media file's state takes the event (media-states.ts). */
  private feedMedia(path: string, event: MediaStateEvent): void {
    const next = nextMediaState(this.mediaStates.get(path), event);
    if (next) this.mediaStates.set(path, next);
    else this.mediaStates.delete(path);
  }

  /** Subscribes to the view's live series; the snapshot then stands in for the payload's series. */
  private async subscribe(data: PlotterPayload): Promise<void> {
    if (!(await this.live.start(data, this.pointsWanted))) return;
    // The kernel knows the plotter: its session is live even if every file is gone (no page showed
    // it for a while, so it kept none: docs/cleanup.md, "Pages that go away").
    if (this.status.kind === 'checking' && this.status.provisional) this.feed({ event: 'shown' });
    this.refreshView();
  }

  /** Several point events can come within one frame: draw once. */
  private queueRefresh(): void {
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
    const axis = this.element.xAxis;
    // A one-way kernel cannot be asked: the zoom shows the points the page has.
    if (!range || !p || !this.live.active || this.status.kind !== 'live' || p.kernel.oneWay) {
      this.element.rangeDetail = null;
      return;
    }
    const startedAt = p.startedAt ?? this.live.startedAt ?? 0;
    // Time axes draw seconds (relative, or since the epoch); the kernel keeps ms after startedAt.
    const toKernel = (x: number): number => (axis === 'step' ? x : axis === 'relative' ? x * 1000 : x * 1000 - startedAt);
    const answer = await this.sessions.ask(p, {
      request: 'range',
      plotterId: p.plotterId,
      axis: axis === 'step' ? 'step' : 'time',
      min: toKernel(range.min),
      max: toKernel(range.max),
      points: this.pointsWanted
    });
    if (seq !== this.rangeSeq || this.isDisposed || answer?.data.reply !== 'range' || !answer.data.known) return;
    const { series } = answer.data;
    this.element.rangeDetail = { axis, range, metrics: decodeChunks(series, answer.buffers), merged: series.some(c => c.merged) };
  }

  /**
   * The payload carries the histograms the saved output's budget allows (a few dozen steps each); a
   * live view asks the kernel for every kept step, when a histogram has steps the payload left out
   * and new ones came, at most every HISTOGRAM_DETAIL_MS (a reply can be large).
   */
  private askHistograms(): void {
    const p = this.payload;
    const thinned = p?.histograms?.some(h => h.totalSteps > h.steps.length);
    if (!p || !thinned || this.status.kind !== 'live' || p.state !== 'live' || p.kernel.oneWay || !p.kernel.id) return;
    const asked = p.histograms!.map(h => `${h.totalSteps}:${h.steps[h.steps.length - 1]}`).join(',');
    const h = this.histograms;
    if (h.asking || h.timer || asked === h.asked) return;
    const wait = h.at + HISTOGRAM_DETAIL_MS - Date.now();
    if (wait > 0) {
      h.timer = setTimeout(() => {
        h.timer = null;
        if (!this.isDisposed) this.askHistograms();
      }, wait);
      return;
    }
    h.asking = true;
    h.asked = asked;
    h.at = Date.now();
    void this.sessions
      .ask(p, { request: 'histograms', plotterId: p.plotterId })
      .then(answer => {
        if (this.isDisposed || answer?.data.reply !== 'histograms' || !answer.data.known) return;
        this.element.histogramDetail = answer.data.histograms;
      })
      .finally(() => {
        h.asking = false;
        if (!this.isDisposed) this.askHistograms();
      });
  }

  /** The user keeps an entry: the kernel moves its file; the next display update shows where to. */
  private async keep(path: string): Promise<void> {
    const p = this.payload;
    if (!p) return;
    const answer = await this.sessions.ask(p, { request: 'keep', plotterId: p.plotterId, path });
    const reply = answer?.data;
    const error = !reply ? 'the kernel did not answer (is it still running?)' : reply.reply === 'keep' ? reply.error : undefined;
    const errors = new Map(this.element.keepErrors);
    if (error) errors.set(path, error);
    else errors.delete(path);
    this.element.keepErrors = errors;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    return this.renderBundle(model.data);
  }

  /** Shows a display's MIME bundle: JupyterLab's display updates, or the kernel's (see LiveSubscription). */
  private async renderBundle(bundle: Readonly<Record<string, unknown>>): Promise<void> {
    // Version 1 outputs (saved by an older metrics-plotter) are read as the current version.
    const data = readPayload(bundle[this.options.mimeType] ?? bundle[PLOTTER_MIME_TYPE]);
    if (!data) {
      this.node.textContent =
        'metrics-plotter: this output was written by a different version of metrics-plotter and cannot be shown. ' +
        'Re-run the cell, or install the matching version of the JupyterLab extension.';
      return;
    }
    const previous = this.payload;
    this.payload = data;
    // Read again only when the HTML part changed (a live update often carries the same one).
    const html = bundle['text/html'];
    if (html !== this.stillsHtml) {
      this.stillsHtml = html;
      this.element.stills = readStills(html);
    }
    const key = viewKey(data);
    if (key !== this.handleKey) {
      this.handle?.dispose();
      this.live.stop();
      this.handleKey = key;
      this.feed({ event: 'shown' });
      this.handle = this.sessions.attach(data, why => void this.sessionEnded(why));
      if (data.state === 'live' && data.kernel.id) void this.subscribe(data);
    }
    if (data.state === 'closed') {
      // plotter.close() ran in the kernel; its cleanup report is authoritative.
      const failures = data.cleanup?.failures ?? [];
      // Kept files stay where the user has them: they play from there.
      const kept = data.media.filter(v => v.kept);
      if (kept.length) await this.resolveNewMedia({ ...data, media: kept }, previous);
      for (const v of data.media) {
        if (!v.kept)
          this.feedMedia(v.path, { event: 'ended', left: failures.find(f => f.path === v.absolutePath)?.path ?? null });
      }
      this.feed({ event: 'closed', left: failures });
    } else if (this.status.kind === 'live') {
      await this.resolveNewMedia(data, previous);
    }
    this.askHistograms();
    this.refreshView();
  }

  private refreshView(): void {
    const p = this.payload;
    this.element.payload = p && this.live.draw(p);
    // Which live stream the charts draw, for whoever inspects the page (the e2e tests do).
    this.node.dataset.liveStream = !this.live.active ? 'none' : p?.kernel.oneWay ? 'pushed' : 'subscribed';
    this.element.status = this.status;
    this.element.mediaStates = new Map(this.mediaStates);
  }

  /** Gives each new media entry its server URL; a file missing on the server was removed by an ended session. */
  private async resolveNewMedia(data: PlotterPayload, previous: PlotterPayload | null): Promise<void> {
    // Files the kernel sent whose entries went (keepLast, a replaced step): their blobs go too.
    const current = new Set(data.media.map(v => v.path));
    for (const [mediaPath, url] of this.blobUrls) {
      if (current.has(mediaPath)) continue;
      this.revoke(url);
      this.blobUrls.delete(mediaPath);
      this.feedMedia(mediaPath, { event: 'dropped' });
    }
    // Files the kernel removed while no page showed it (their entries say `gone`): their stills stand in.
    for (const v of data.media.filter(m => m.gone)) {
      const url = this.blobUrls.get(v.path);
      if (url) this.revoke(url);
      this.blobUrls.delete(v.path);
      this.feedMedia(v.path, { event: 'gone' });
    }
    const known = new Set(previous?.media.map(v => v.path) ?? []);
    const fresh = data.media.filter(v => !v.gone && (!known.has(v.path) || !this.mediaStates.has(v.path)));
    const resolver = this.options.resolver;
    const listings: FolderListings = new Map();
    // The server cannot show it (a remote kernel's folder is not the server's; a page with no
    // notebook folder, as Voilà's, serves no files). While the session is live, the kernel has the
    // last word: it sends the bytes, or says it is gone.
    const fromKernel = async (v: MediaEntry): Promise<void> => {
      const blob = data.state === 'live' ? await mediaFromKernel(this.sessions, data, v) : null;
      if (blob instanceof Blob && !this.isDisposed) {
        const url = URL.createObjectURL(blob);
        this.blobUrls.set(v.path, url);
        this.feedMedia(v.path, { event: 'looked up', state: { kind: 'playable', url } });
      } else if (blob === 'removed' || resolver) {
        this.feedMedia(v.path, { event: 'looked up', state: { kind: 'removed' } });
      } else {
        const reason = `This output has no notebook folder to find ${v.path} in, and its kernel no longer sends it.`;
        this.feedMedia(v.path, { event: 'looked up', state: { kind: 'unreachable', reason } });
      }
    };
    await Promise.all(
      fresh.map(async v => {
        if (!resolver) return fromKernel(v);
        try {
          const urlPath = await resolver.resolveUrl(v.path);
          if (!this.checkedFiles.has(v.path)) {
            this.checkedFiles.add(v.path);
            if (!(await mediaOnServer(this.sessions, v, urlPath, listings))) return fromKernel(v);
          }
          const url = await resolver.getDownloadUrl(urlPath);
          this.feedMedia(v.path, { event: 'looked up', state: { kind: 'playable', url } });
        } catch (e) {
          const reason = `Could not reach the Jupyter server for ${v.path}: ${(e as Error).message}`;
          this.feedMedia(v.path, { event: 'looked up', state: { kind: 'unreachable', reason } });
        }
      })
    );
    // Every file is gone although the payload says live: the session behind it ended. Either the
    // kernel just went (JupyterLab re-creates outputs when a notebook's kernel goes, sometimes before
    // the server's event reaches us: the tracker will say why), or the output outlived its session
    // (the notebook was closed and reopened): say so after a grace period instead of looking live.
    // A kernel that answered the subscription has it open: it is live, and only kept no files.
    const owned = data.media.filter(v => !v.kept);
    if (!this.live.active && owned.length && owned.every(v => this.mediaStates.get(v.path)?.kind === 'removed')) {
      this.feed({ event: 'files gone' });
    }
  }

  /** The kernel process behind this output ended: check what it left on the server. */
  private async sessionEnded(why: EndReason): Promise<void> {
    if (this.isDisposed || !this.payload) return;
    const before = this.status;
    this.feed({ event: 'kernel ended', why });
    if (this.status === before) return;
    const payload = this.payload;
    this.refreshView();
    let left = await this.leftOnServer(payload, why);
    // A killed kernel's watchdog removes its files within a moment of its death (src/kernel/host/
    // watchdog.ts), which may be after JupyterLab told us: look again before calling them left.
    if (why === 'died' && left.length && !this.sessions.reportOf(payload.plotterId)) {
      await new Promise(resolve => setTimeout(resolve, WATCHDOG_GRACE_MS));
      if (this.isDisposed || this.payload !== payload) return;
      left = await this.leftOnServer(payload, why);
    }
    if (this.isDisposed || this.payload !== payload) return;
    this.feed({ event: 'files checked', left });
    this.refreshView();
  }

  /** Which of the payload's media are still on the server once its session ended, and why. */
  private async leftOnServer(payload: PlotterPayload, why: EndReason): Promise<CleanupFailure[]> {
    const left: CleanupFailure[] = [];
    const resolver = this.options.resolver;
    const listings: FolderListings = new Map();
    // A kept file is the user's: its being there is no failure.
    for (const v of payload.media.filter(e => !e.kept)) {
      let present: boolean;
      try {
        present = !!resolver && (await mediaOnServer(this.sessions, v, await resolver.resolveUrl(v.path), listings));
      } catch {
        present = false; // the server is unreachable too: nothing can be checked, nothing claimed
      }
      // The kernel's own report, when it got one out before its process ended, says why exactly
      // (and is all there is to know of a remote kernel's folder, which the server cannot see).
      const reported = this.sessions.reportOf(payload.plotterId)?.failures.find(f => f.path === v.absolutePath);
      present ||= !!reported;
      if (present) {
        left.push({
          path: v.absolutePath,
          reason:
            reported?.reason ??
            (why === 'died' || why === 'earlier session'
              ? 'the kernel process ended without cleaning up (was it killed?); `npx metrics-plotter clean` also removes it'
              : 'still on disk after the session ended')
        });
      }
      this.feedMedia(v.path, { event: 'ended', left: present ? v.absolutePath : null });
    }
    return left;
  }

  /**
   * Lets go of a file the kernel sent. A video still reading from its URL (a range request for
   * more of it) would fail and log an error once the URL is revoked: it is stopped first.
   */
  private revoke(url: string): void {
    for (const media of this.node.querySelectorAll<HTMLVideoElement>('video')) {
      if (media.getAttribute('src') !== url) continue;
      media.removeAttribute('src');
      try {
        media.load(); // aborts what it was reading
      } catch {
        /* a DOM without media loading (tests) */
      }
    }
    URL.revokeObjectURL(url);
  }

  dispose(): void {
    if (this.isDisposed) return;
    for (const url of this.blobUrls.values()) this.revoke(url);
    this.blobUrls.clear();
    this.live.dispose();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.histograms.timer) clearTimeout(this.histograms.timer);
    this.graceTimer = null;
    this.handle?.dispose();
    this.handle = null;
    super.dispose();
  }
}
