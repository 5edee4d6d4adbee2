/**
 * The MIME renderer for plotter outputs: a Lumino widget hosting <mp-plotter-view>. JupyterLab
 * calls renderModel again on the same renderer for every display update, so live training updates
 * redraw in place. The renderer tells the session tracker while its output is on screen, and shows
 * the session's end and any file left behind.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import {
  PLOTTER_MIME_TYPE,
  PLOTTER_MIME_TYPE_V1,
  readPayload,
  type CleanupFailure,
  type MediaEntry,
  type PlotterPayload
} from '../protocol';
import type { PlotterView } from './components/plotter-view';
import type { MediaState } from './components/media-card';
import type { FolderListings, SessionTracker, ViewHandle } from './sessions';
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

  constructor(
    private readonly options: IRenderMime.IRendererOptions,
    private readonly tracker: SessionTracker
  ) {
    super();
    this.addClass(RENDERER_CLASS);
    this.view = document.createElement('mp-plotter-view') as PlotterView;
    this.node.appendChild(this.view);
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
      this.handleKey = key;
      this.status = { kind: 'live' };
      this.handle = this.tracker.attach(data, why => void this.sessionEnded(why));
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

  private refreshView(): void {
    this.view.payload = this.payload;
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

/** The factory JupyterLab's rendermime registry uses for our MIME type. */
export function createRendererFactory(tracker: SessionTracker): IRenderMime.IRendererFactory {
  return {
    safe: true, // the payload is plain JSON drawn by our own code: shown in untrusted notebooks too
    mimeTypes: [PLOTTER_MIME_TYPE, PLOTTER_MIME_TYPE_V1],
    defaultRank: 0,
    createRenderer: options => new PlotterRenderer(options, tracker)
  };
}
