/**
 * <mp-media-card>: one media name of a plotter (a rollout logged every N episodes, an image per
 * epoch) as one card with a step slider, as TensorBoard's image dashboard and W&B's media panel
 * do. The slider moves between logged steps (←/→ on the keyboard); "Latest" follows new entries
 * while training runs. A step chosen elsewhere (a click on a chart, a linked card) shows the entry
 * at the nearest logged step at or before it. While the session is live the file plays from the
 * Jupyter server; once it ended, the card says it was removed, or where it was left.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { MediaEntry } from '../../protocol';
import { entryAtOrBefore, formatBytes, type MediaSeries } from '../charts/series';

export type MediaState =
  | { kind: 'playable'; url: string }
  | { kind: 'resolving' }
  | { kind: 'removed' }
  | { kind: 'left'; path: string }
  | { kind: 'unreachable'; reason: string };

/** A step picked somewhere in the panel; `seq` makes picking the same step again a change. */
export interface StepSelection {
  step: number;
  seq: number;
}

/** Sent (bubbling) when the user moves a card's slider: the panel links cards with it. */
export const MEDIA_STEP_EVENT = 'mp-media-step';

export class MediaCard extends LitElement {
  static properties = {
    series: { attribute: false },
    states: { attribute: false },
    retired: { type: Number },
    runColor: { attribute: false },
    selection: { attribute: false },
    index: { state: true },
    follow: { state: true },
    loadError: { state: true }
  };

  series: MediaSeries = { name: '', kind: 'video', entries: [] };
  /** The colour of the card's run, as its charts draw it (cards of runs only). */
  runColor = 'currentColor';
  states: Map<string, MediaState> = new Map();
  /** Older entries of this name that keepLast removed. */
  retired = 0;
  selection: StepSelection | null = null;
  /** The entry shown. */
  index = 0;
  /** At "Latest": the card moves to each new entry as it arrives. */
  follow = true;
  loadError = '';

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  /** The entry shown now. */
  get entry(): MediaEntry | undefined {
    return this.series.entries[this.index];
  }

  protected willUpdate(changed: PropertyValues): void {
    const last = this.series.entries.length - 1;
    if (changed.has('selection') && this.selection) {
      this.index = entryAtOrBefore(this.series.entries, this.selection.step);
      this.follow = false;
    } else if (changed.has('series')) {
      const shownStep = (changed.get('series') as MediaSeries | undefined)?.entries[this.index]?.step;
      this.index = this.follow || shownStep === undefined ? last : entryAtOrBefore(this.series.entries, shownStep);
    }
    this.index = Math.max(0, Math.min(this.index, last));
    if (changed.has('index')) this.loadError = '';
  }

  protected render(): unknown {
    const { name, entries } = this.series;
    const e = this.entry;
    if (!e) return nothing;
    const n = entries.length;
    return html`
      <figure class="mp-media" data-kind=${e.kind}>
        <figcaption>
          <span class="mp-media-name">${name}</span>
          ${this.series.run ? html`<span class="mp-media-run"><span class="mp-swatch" style="background:${this.runColor}"></span>${this.series.run}</span>` : nothing}
          <span class="mp-media-step" aria-live="polite">step ${e.step.toLocaleString('en')}${n > 1 ? ` · ${this.index + 1} of ${n}` : ''}</span>
          <span class="mp-media-meta">${details(e)}</span>
        </figcaption>
        ${
          n > 1
            ? html`<div class="mp-media-slider">
              <input type="range" min="0" max=${n - 1} step="1" .value=${String(this.index)} @input=${this.onSlide} @keydown=${this.onKey}
                aria-label="Step of ${name}" aria-valuetext="step ${e.step}" />
              <button class="mp-button" aria-pressed=${this.follow ? 'true' : 'false'} @click=${this.toLatest}
                title="Show the latest entry, and follow new ones while training runs">Latest</button>
            </div>`
            : nothing
        }
        ${this.body(e)}
        ${
          this.retired
            ? html`<div class="mp-media-retired" role="note">${this.retired} older ${this.retired === 1 ? 'entry was' : 'entries were'}
              removed by keepLast (their files were the plotter's own).</div>`
            : nothing
        }
      </figure>
    `;
  }

  private onSlide(ev: Event): void {
    this.moveTo(Number((ev.target as HTMLInputElement).value));
  }

  /**
   * ←/→ (and Home/End) step between logged entries. Handled here, not left to the range input:
   * JupyterLab's notebook keyboard shortcuts would otherwise take the arrow keys first.
   */
  private onKey(ev: KeyboardEvent): void {
    const last = this.series.entries.length - 1;
    const to = {
      ArrowLeft: this.index - 1,
      ArrowDown: this.index - 1,
      ArrowRight: this.index + 1,
      ArrowUp: this.index + 1,
      Home: 0,
      End: last
    }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.moveTo(Math.max(0, Math.min(last, to)));
  }

  private moveTo(index: number): void {
    this.index = index;
    this.follow = this.index === this.series.entries.length - 1;
    const step = this.entry?.step;
    if (step !== undefined) this.dispatchEvent(new CustomEvent(MEDIA_STEP_EVENT, { detail: { step }, bubbles: true }));
  }

  private toLatest(): void {
    this.follow = true;
    this.index = this.series.entries.length - 1;
  }

  private body(e: MediaEntry): unknown {
    const s = this.states.get(e.path) ?? { kind: 'resolving' };
    switch (s.kind) {
      case 'playable':
        if (this.loadError) {
          return html`<div class="mp-media-missing" role="status">Could not load ${e.path} from the Jupyter server (${this.loadError}).</div>`;
        }
        return e.kind === 'image'
          ? html`<img src=${s.url} width=${e.width} alt="${e.name} at step ${e.step}" @error=${() => (this.loadError = 'not found')} />`
          : html`<video controls preload="metadata" playsinline src=${s.url} width=${e.width} aria-label="Video ${e.name} at step ${e.step}"
              @error=${this.onError} @loadedmetadata=${() => (this.loadError = '')}></video>`;
      case 'resolving':
        return html`<div class="mp-media-missing" role="status">Locating the file…</div>`;
      case 'removed':
        return html`<div class="mp-media-missing" role="status">Removed when the session ended.</div>`;
      case 'left':
        return html`<div class="mp-media-left" role="alert">Still on disk: <code>${s.path}</code>. Please delete it by hand.</div>`;
      case 'unreachable':
        return html`<div class="mp-media-missing" role="status">${s.reason}</div>`;
    }
  }

  private onError(e: Event): void {
    const media = (e.target as HTMLVideoElement).error;
    this.loadError = media?.message || `media error ${media?.code ?? ''}`.trim();
  }
}

function details(e: MediaEntry): string {
  if (e.kind === 'image') return `${e.width}×${e.height} · ${formatBytes(e.bytes)}`;
  const seconds = e.fps ? (e.frames ?? 0) / e.fps : 0;
  return `${e.width}×${e.height} · ${e.frames} frames · ${e.fps} fps · ${seconds.toFixed(1)} s · ${formatBytes(e.bytes)}`;
}

if (!customElements.get('mp-media-card')) customElements.define('mp-media-card', MediaCard);
