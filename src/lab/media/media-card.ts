/**
 * <mp-media-card>: one media name of a plotter (a rollout logged every N episodes, an image per
 * epoch) as one card with a step slider, as TensorBoard's image dashboard and W&B's media panel
 * do. The slider moves between logged steps (←/→ on the keyboard); "Latest" follows new entries
 * while training runs. A step chosen elsewhere (a click on a chart, a linked card) shows the entry
 * at the nearest logged step at or before it. While the session is live the file plays from the
 * Jupyter server; once it ended, the card says it was removed (showing the output's still of that
 * entry, if it has one), or where it was left.
 *
 * A card across runs (a sweep) has a tile per run, each showing that run's entry at the nearest
 * logged step at or before the chosen one; the slider moves over every step any run logged.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { runLabel, runOf, seriesKey, type MediaEntry, type Still } from '../../protocol';
import { entryAtOrBefore, type MediaSeries } from './media-series';
import type { MediaState } from './media-states';
import { formatBytes, formatCount } from '../../protocol/format';
import { sliderKeyTarget } from '../slider-keys';

/** A step picked somewhere in the panel; `seq` makes picking the same step again a change. */
export interface StepSelection {
  step: number;
  seq: number;
}

/** Sent (bubbling) when the user moves a card's slider: the panel links cards with it. */
export const MEDIA_STEP_EVENT = 'mp-media-step';
/** Sent (bubbling) with `{ path }` when the user keeps an entry: the panel asks the kernel. */
export const MEDIA_KEEP_EVENT = 'mp-media-keep';

/** Tiles a card across runs shows before "Show more". */
export const TILES_SHOWN = 12;

export class MediaCard extends LitElement {
  static properties = {
    series: { attribute: false },
    states: { attribute: false },
    stills: { attribute: false },
    canKeep: { type: Boolean },
    keepErrors: { attribute: false },
    retired: { type: Number },
    runColors: { attribute: false },
    selection: { attribute: false },
    index: { state: true },
    follow: { state: true },
    loadErrors: { state: true },
    allTiles: { state: true }
  };

  series: MediaSeries = { name: '', kind: 'video', entries: [] };
  /** Each run's colour as the charts draw it (runColours), for the card's run or its tiles' runs. */
  runColors: Map<string, string> = new Map();
  states: Map<string, MediaState> = new Map();
  /** The output's stills, by media series key (the latest entry of each: src/protocol, `readStills`). */
  stills: Map<string, Still> = new Map();
  /** The kernel can move files for the user (a live session whose kernel takes the page's messages). */
  canKeep = false;
  /** Why an entry could not be kept, by its path (the kernel's words). */
  keepErrors: Map<string, string> = new Map();
  /** Older entries of this name that keepLast removed. */
  retired = 0;
  selection: StepSelection | null = null;
  /** The position shown (an entry; across runs, a step). */
  index = 0;
  /** At "Latest": the card moves to each new entry as it arrives. */
  follow = true;
  /** Why a file shown could not be loaded, by its path. */
  loadErrors: Map<string, string> = new Map();
  /** Across many runs: every run's tile, not the first TILES_SHOWN. */
  allTiles = false;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  /** The slider's positions: the entries, or across runs the first entry at each step any run logged. */
  private get positions(): MediaEntry[] {
    return positionsOf(this.series);
  }

  /** The entry shown now (across runs: the one that names the step). */
  get entry(): MediaEntry | undefined {
    return this.positions[this.index];
  }

  protected willUpdate(changed: PropertyValues): void {
    const positions = this.positions;
    const last = positions.length - 1;
    if (changed.has('selection') && this.selection) {
      this.index = entryAtOrBefore(positions, this.selection.step);
      this.follow = false;
    } else if (changed.has('series')) {
      const before = changed.get('series') as MediaSeries | undefined;
      const shownStep = before ? positionsOf(before)[this.index]?.step : undefined;
      this.index = this.follow || shownStep === undefined ? last : entryAtOrBefore(positions, shownStep);
    }
    this.index = Math.max(0, Math.min(this.index, last));
    if (changed.has('index') && this.loadErrors.size) this.loadErrors = new Map();
  }

  protected render(): unknown {
    const { name } = this.series;
    const e = this.entry;
    if (!e) return nothing;
    const n = this.positions.length;
    const runs = this.series.runs;
    return html`
      <figure class="mp-media" data-kind=${e.kind}>
        <figcaption>
          <span class="mp-media-name">${name}</span>
          ${this.series.run ? html`<span class="mp-media-run"><span class="mp-swatch" style="background:${this.runColors.get(this.series.run) ?? 'currentColor'}"></span>${this.series.run}</span>` : nothing}
          <span class="mp-media-step" aria-live="polite">step ${formatCount(e.step)}${n > 1 ? ` · ${this.index + 1} of ${n}` : ''}</span>
          ${runs ? nothing : html`<span class="mp-media-meta">${details(e)}</span>`}
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
        ${runs ? this.tiles(runs, e.step) : this.body(e)}
        ${
          this.retired
            ? html`<div class="mp-media-retired" role="note">${this.retired} older ${this.retired === 1 ? 'entry was' : 'entries were'}
              removed by keepLast (their files were the plotter's own).</div>`
            : nothing
        }
      </figure>
    `;
  }

  /**
   * A tile per run that logged this name: the first TILES_SHOWN (a sweep of a hundred runs would
   * load a hundred videos at once), the rest on demand. The runs table hides runs for a closer look.
   */
  private tiles(runs: readonly string[], step: number): unknown {
    const logged = runs.filter(run => this.series.entries.some(x => runOf(x) === run));
    const shown = this.allTiles ? logged : logged.slice(0, TILES_SHOWN);
    const more = logged.length - TILES_SHOWN;
    return html`<div class="mp-media-tiles">${shown.map(run => this.tile(run, step))}</div>
      ${
        more > 0
          ? html`<button class="mp-button mp-more-tiles" data-action="all-tiles" aria-expanded=${this.allTiles ? 'true' : 'false'}
              @click=${() => (this.allTiles = !this.allTiles)}>${this.allTiles ? `Show the first ${TILES_SHOWN} runs` : `Show ${more} more runs`}</button>`
          : nothing
      }`;
  }

  /** One run's tile: its entry at the nearest logged step at or before `step`. */
  private tile(run: string, step: number): unknown {
    const own = this.series.entries.filter(x => runOf(x) === run);
    const entry = own.length ? own[entryAtOrBefore(own, step)] : undefined;
    if (!entry) return nothing;
    const early = entry.step > step;
    return html`<div class="mp-media-tile" data-run=${run}>
      <div class="mp-media-run"><span class="mp-swatch" style="background:${this.runColors.get(run) ?? 'currentColor'}"></span>${runLabel(run)}</div>
      <div class="mp-media-meta">${early ? `first logged at step ${formatCount(entry.step)}` : `step ${formatCount(entry.step)}`} · ${details(entry)}</div>
      ${this.body(entry)}
    </div>`;
  }

  private onSlide(ev: Event): void {
    this.moveTo(Number((ev.target as HTMLInputElement).value));
  }

  /** ←/→ (and Home/End) step between logged entries (slider-keys.ts). */
  private onKey(ev: KeyboardEvent): void {
    const to = sliderKeyTarget(ev.key, this.index, this.positions.length - 1);
    if (to === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.moveTo(to);
  }

  private moveTo(index: number): void {
    this.index = index;
    this.follow = this.index === this.positions.length - 1;
    const step = this.entry?.step;
    if (step !== undefined) this.dispatchEvent(new CustomEvent(MEDIA_STEP_EVENT, { detail: { step }, bubbles: true }));
  }

  private toLatest(): void {
    this.follow = true;
    this.index = this.positions.length - 1;
  }

  private body(e: MediaEntry): unknown {
    const s = this.states.get(e.path) ?? { kind: 'resolving' };
    switch (s.kind) {
      case 'playable':
        if (this.loadErrors.has(e.path)) {
          return html`<div class="mp-media-missing" role="status">Could not load ${e.path} from the Jupyter server (${this.loadErrors.get(e.path)}).</div>`;
        }
        return html`${
          e.kind === 'image'
            ? html`<img src=${s.url} width=${e.width} alt="${e.name} at step ${e.step}" @error=${() => this.failed(e.path, 'not found')} />`
            : html`<video controls preload="metadata" playsinline src=${s.url} width=${e.width} aria-label="Video ${e.name} at step ${e.step}"
              @error=${(ev: Event) => this.onError(ev, e.path)} @loadedmetadata=${() => this.failed(e.path, null)}></video>`
        }${this.actions(e, s.url)}`;
      case 'resolving':
        return html`<div class="mp-media-missing" role="status">Locating the file…</div>`;
      case 'removed': {
        const still = this.stills.get(seriesKey(e));
        // Gone while the session lives: no page showed the plotter for a while, so it kept no files.
        const when = e.gone ? 'while no page showed this plotter' : 'when the session ended';
        return still?.step === e.step
          ? html`<figure class="mp-still">
              <img src=${still.src} alt="Still of ${e.name} at step ${e.step}" />
              <figcaption role="status">A still of this ${e.kind}: the file was removed ${when}.</figcaption>
            </figure>`
          : html`<div class="mp-media-missing" role="status">Removed ${when}.</div>`;
      }
      case 'left':
        return html`<div class="mp-media-left" role="alert">Still on disk: <code>${s.path}</code>. Please delete it by hand.</div>`;
      case 'unreachable':
        return html`<div class="mp-media-missing" role="status">${s.reason}</div>`;
    }
  }

  /** Download (the browser saves the file) and Keep (the kernel moves it out of the plotter's folder). */
  private actions(e: MediaEntry, url: string): unknown {
    const keepError = this.keepErrors.get(e.path);
    return html`<div class="mp-media-actions">
        <a class="mp-button" href=${url} download=${e.path.split('/').pop() ?? e.name}
          title="Save this file with the browser">Download</a>
        ${
          this.canKeep && !e.kept
            ? html`<button class="mp-button" data-action="keep" @click=${() => this.keep(e)}
                title="Move this file into the notebook's folder: it stays after the session ends">Keep</button>`
            : nothing
        }
      </div>
      ${e.kept ? html`<div class="mp-media-kept" role="status">Kept as <code>${e.path}</code>: yours now; the session's cleanup leaves it.</div>` : nothing}
      ${keepError ? html`<div class="mp-media-missing" role="alert">Could not keep it: ${keepError}</div>` : nothing}`;
  }

  private keep(e: MediaEntry): void {
    this.dispatchEvent(new CustomEvent(MEDIA_KEEP_EVENT, { detail: { path: e.path }, bubbles: true }));
  }

  private onError(e: Event, path: string): void {
    const media = (e.target as HTMLVideoElement).error;
    this.failed(path, media?.message || `media error ${media?.code ?? ''}`.trim());
  }

  /** A file failed to load (`reason`), or loaded after all (null). */
  private failed(path: string, reason: string | null): void {
    if ((this.loadErrors.get(path) ?? null) === reason) return;
    const errors = new Map(this.loadErrors);
    if (reason === null) errors.delete(path);
    else errors.set(path, reason);
    this.loadErrors = errors;
  }
}

/** A card's slider positions: its entries, or across runs the first entry at each logged step. */
function positionsOf(series: MediaSeries): MediaEntry[] {
  if (!series.runs) return series.entries;
  const byStep = new Map<number, MediaEntry>();
  for (const e of series.entries) if (!byStep.has(e.step)) byStep.set(e.step, e);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function details(e: MediaEntry): string {
  if (e.kind === 'image') return `${e.width}×${e.height} · ${formatBytes(e.bytes)}`;
  const seconds = e.fps ? (e.frames ?? 0) / e.fps : 0;
  return `${e.width}×${e.height} · ${e.frames} frames · ${e.fps} fps · ${seconds.toFixed(1)} s · ${formatBytes(e.bytes)}`;
}

if (!customElements.get('mp-media-card')) customElements.define('mp-media-card', MediaCard);
