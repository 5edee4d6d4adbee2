/**
 * <mp-video-card>: one video of a plotter. While the session is live it plays the MP4 from the
 * Jupyter server (the URL comes from the notebook's URL resolver, never inlined data); once the
 * session ended it says the file was removed, or, when it is still on disk, where it is and that
 * it must be deleted by hand.
 */
import { LitElement, html, nothing } from 'lit';
import type { VideoEntry } from '../../protocol';
import { formatBytes } from '../series';

export type VideoState =
  | { kind: 'playable'; url: string }
  | { kind: 'resolving' }
  | { kind: 'removed' }
  | { kind: 'left'; path: string }
  | { kind: 'unreachable'; reason: string };

export class VideoCard extends LitElement {
  static properties = {
    video: { attribute: false },
    state: { attribute: false },
    loadError: { state: true }
  };

  video!: VideoEntry;
  state: VideoState = { kind: 'resolving' };
  loadError = '';

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  protected render(): unknown {
    const v = this.video;
    if (!v) return nothing;
    const seconds = v.fps > 0 ? v.frames / v.fps : 0;
    return html`
      <figure class="mp-video">
        <figcaption>
          <span class="mp-video-name">${v.name}</span>
          <span class="mp-video-meta">${v.width}×${v.height} · ${v.frames} frames · ${v.fps} fps · ${seconds.toFixed(1)} s · ${formatBytes(v.bytes)}</span>
        </figcaption>
        ${this.body()}
      </figure>
    `;
  }

  private body(): unknown {
    const s = this.state;
    switch (s.kind) {
      case 'playable':
        return this.loadError
          ? html`<div class="mp-video-missing" role="status">Could not load ${this.video.path} from the Jupyter server (${this.loadError}).</div>`
          : html`<video controls preload="metadata" playsinline src=${s.url} width=${this.video.width} aria-label="Video ${this.video.name}"
              @error=${this.onError} @loadedmetadata=${() => (this.loadError = '')}></video>`;
      case 'resolving':
        return html`<div class="mp-video-missing" role="status">Locating the video…</div>`;
      case 'removed':
        return html`<div class="mp-video-missing" role="status">Removed when the session ended.</div>`;
      case 'left':
        return html`<div class="mp-video-left" role="alert">Still on disk: <code>${s.path}</code>. Please delete it by hand.</div>`;
      case 'unreachable':
        return html`<div class="mp-video-missing" role="status">${s.reason}</div>`;
    }
  }

  private onError(e: Event): void {
    const media = (e.target as HTMLVideoElement).error;
    this.loadError = media?.message || `media error ${media?.code ?? ''}`.trim();
  }
}

if (!customElements.get('mp-video-card')) customElements.define('mp-video-card', VideoCard);
