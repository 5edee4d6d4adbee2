/**
 * <mp-plotter-panel>: what the panel (panel.ts) shows of one plotter output. A title with the session's state, one
 * smoothing and one log-scale control for every chart, a chart per metric prefix, then one card per
 * media name. Charts and media are linked by training step: clicking a chart selects that step in
 * every media card, and the charts mark the steps where media exist and the selected one. With
 * "Move together" on, one card's slider drives every card.
 * It renders what it is given (payload, session status, file states); the panel feeds it.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import {
  DEFAULT_RUN,
  memoryBoundMessage,
  runLabel,
  runOf,
  seriesKey,
  watchedLogdirMessage,
  type HistogramSeries,
  type MetricSeries,
  type PinRequest,
  type PlotterPayload,
  type Still
} from '../../protocol';
import { chartsOf, colourByRun, runColours, sharesItsChart } from '../../protocol/charts';
import { formatCount } from '../../protocol/format';
import type { ChartContents, ChartSeries } from '../charts/chart-series';
import { toCsv } from '../charts/csv';
import { byStep, hasTimes, onXAxis, type XAxisKind } from '../charts/x-axis';
import { groupMedia, groupMediaAcrossRuns, type MediaSeries } from '../media/media-series';
import { nameFilter } from '../name-filter';
import { groupedSeries, type MemberLines } from '../runs/aggregate';
import { allConfigKeys } from '../runs/configs';
import { groupRuns, type BandKind, type RunGroup, type RunGrouping } from '../runs/run-groups';
import { downloadBlob, fileStem } from '../download';
import { failureText, oneWayNote, statusLine, type ViewStatus } from './view-status';
import { withDetail } from '../live/live-series';
import { MEDIA_STEP_EVENT, type StepSelection } from '../media/media-card';
import type { MediaState } from '../media/media-states';
import { SELECT_STEP_EVENT, X_RANGE_EVENT, type MetricChart, type XRange } from '../charts/metric-chart';
import { RUN_HIGHLIGHT_EVENT, type RunHighlight } from '../runs/run-highlight';
import { RUNS_VISIBILITY_EVENT, type RunsTable } from '../runs/runs-table';
import type { SweepView } from '../sweeps/sweep-view';
import '../charts/metric-chart';
import '../media/media-card';
import '../runs/runs-table';
import '../sweeps/sweep-view';
import { withHistogramDetail } from '../histograms/distributions';
import '../histograms/histogram-card';
import {
  baselineChartSeries,
  baselineOf,
  jsonBytes,
  pinnedDay,
  requestDone,
  withPinned,
  withoutBaseline,
  type Baseline
} from '../baselines/baselines';
import { BASELINE_PIN_EVENT, BASELINE_UNPIN_EVENT, BASELINE_VISIBILITY_EVENT } from '../baselines/baselines-table';
import '../baselines/baselines-table';
import { baselinesRequest, type BaselineStore } from '../baselines/notebook-store';

/** How often at most the title's heading level is found again (headingLevelAfter). */
const TITLE_LEVEL_MS = 1000;

/** How long the pointer rests on a run before the charts fade the other runs. */
export const HOVER_INTENT_MS = 120;

/** Every series of a plotter within a zoomed x range, at the detail the kernel has. */
export interface RangeDetail {
  axis: XAxisKind;
  range: XRange;
  metrics: MetricSeries[];
  /** Some of it is min/max buckets: the plotter reached its memory bound and merged older detail. */
  merged: boolean;
}

export class PlotterPanelElement extends LitElement {
  static properties = {
    payload: { attribute: false },
    status: { attribute: false },
    mediaStates: { attribute: false },
    stills: { attribute: false },
    keepErrors: { attribute: false },
    smoothing: { state: true },
    logScale: { state: true },
    selection: { state: true },
    linked: { state: true },
    xRange: { state: true },
    filter: { state: true },
    ignoreOutliers: { state: true },
    dashes: { state: true },
    xAxis: { state: true },
    hiddenRuns: { state: true },
    grouping: { state: true },
    band: { state: true },
    memberLines: { state: true },
    rangeDetail: { attribute: false },
    histogramDetail: { attribute: false },
    baselines: { state: true },
    hiddenBaselines: { state: true },
    baselineNote: { state: true },
    titleLevel: { state: true }
  };

  payload: PlotterPayload | null = null;
  status: ViewStatus = { kind: 'live' };
  mediaStates: Map<string, MediaState> = new Map();
  /** The output's stills (read from its HTML part), shown where a file was removed. */
  stills: Map<string, Still> = new Map();
  /** Why an entry could not be kept, by its path. */
  keepErrors: Map<string, string> = new Map();
  smoothing = 0;
  logScale = false;
  /** The step selected by a chart click (or a linked card's slider). */
  selection: StepSelection | null = null;
  /** "Move together": a card's slider moves every card. */
  linked = false;
  /** The x range every chart shows (null: all steps); set by a drag-to-zoom on any chart. */
  xRange: XRange | null = null;
  /** Shows only metrics whose name matches: a regular expression, or plain text when it is not one. */
  filter = '';
  /** Fit every chart's y axis to its 5th–95th percentile, as TensorBoard's "ignore outliers". */
  ignoreOutliers = false;
  /** Each line with its run's dash pattern, to tell lines apart without colour. */
  dashes = false;
  /** The x axis of every chart: step, time since the first point, or wall time. */
  xAxis: XAxisKind = 'step';
  /** Runs the user switched off in the runs table (by name): their series and media are not drawn. */
  hiddenRuns: Set<string> = new Set();
  /** How runs are grouped into a mean with a band (none: each run its own line). */
  grouping: RunGrouping = { by: 'none' };
  band: BandKind = 'min-max';
  /** A group's runs faint behind its mean, or hidden. */
  memberLines: MemberLines = 'faint';
  /**
   * The run under the pointer in any view (a chart's line, a table row, the sweep view):
   * highlighted in all. Not a reactive property: a pointer move hands it to the views it changes
   * (highlightRun), without the panel's whole render, which is a live update's cost.
   */
  private highlightedRun: string | null = null;
  /** The run the charts highlight: the highlighted run, once the pointer rested on it. */
  private chartHighlightRun: string | null = null;
  private chartHighlightTimer: ReturnType<typeof setTimeout> | null = null;
  /** The run groups as last drawn, for the group of a highlighted run. */
  private drawnGroups: RunGroup[] | null = null;
  /** The zoomed range in full detail, from the kernel (the panel asks when a chart zooms). */
  rangeDetail: RangeDetail | null = null;
  /** Every histogram in detail, from the kernel (a live panel asks when the payload's are thinned). */
  histogramDetail: HistogramSeries[] | null = null;
  /** The baselines of the notebook this output is in (read from its store; none outside a notebook). */
  baselines: Baseline[] = [];
  /** Baselines the user switched off in this output (by id). */
  hiddenBaselines: Set<string> = new Set();
  /** What the last pin or unpin did, or why it could not. */
  baselineNote: { text: string; error: boolean } | null = null;
  /** The title's heading level: one below the section it is in (headingLevelAfter), and when it was last found. */
  private titleLevel = 2;
  private titleLevelAt = 0;
  /** The store of the notebook this output is in: its metadata (baselines/notebook-store.ts). */
  private baselineStore: BaselineStore | null = null;
  private stopListening: (() => void) | null = null;
  private seq = 0;
  /** The payload's series on the x axis in effect (willUpdate shapes them for render). */
  private drawn: MetricSeries[] = [];
  /** The last step of the data, to slide a zoomed window along while training runs. */
  private dataEnd: number | null = null;
  /** Cursors of this panel's charts move together; other panels' do not. */
  private readonly syncKey = `mp-${Math.random().toString(36).slice(2)}`;

  constructor() {
    super();
    this.addEventListener(SELECT_STEP_EVENT, e => this.select((e as CustomEvent<{ step: number }>).detail.step));
    this.addEventListener(X_RANGE_EVENT, e => (this.xRange = (e as CustomEvent<XRange | null>).detail));
    this.addEventListener(RUNS_VISIBILITY_EVENT, e => (this.hiddenRuns = (e as CustomEvent<Set<string>>).detail));
    this.addEventListener(RUN_HIGHLIGHT_EVENT, e => this.highlightRun((e as CustomEvent<string | null>).detail));
    this.addEventListener(MEDIA_STEP_EVENT, e => {
      if (this.linked) this.select((e as CustomEvent<{ step: number }>).detail.step);
    });
    this.addEventListener(BASELINE_PIN_EVENT, e => this.pin((e as CustomEvent<string>).detail));
    this.addEventListener(BASELINE_UNPIN_EVENT, e => this.unpin((e as CustomEvent<string>).detail));
    this.addEventListener(BASELINE_VISIBILITY_EVENT, e => (this.hiddenBaselines = (e as CustomEvent<Set<string>>).detail));
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.titleLevelAt = 0;
    // Once more when the notebook's markdown around it has rendered, for an output that does not update.
    setTimeout(() => {
      const level = headingLevelAfter(this);
      if (this.isConnected && level !== this.titleLevel) this.titleLevel = level;
    }, TITLE_LEVEL_MS);
    // The notebook this output is in answers with its store (the plugin's serveNotebookBaselines).
    this.dispatchEvent(baselinesRequest(store => this.useStore(store)));
  }

  private useStore(store: BaselineStore): void {
    if (store === this.baselineStore) return;
    this.stopListening?.();
    this.baselineStore = store;
    this.stopListening = store.listen(() => this.readBaselines());
    this.readBaselines();
  }

  private readBaselines(): void {
    if (!this.baselineStore) return;
    this.baselines = this.baselineStore.read().baselines;
    this.honourPinRequests();
  }

  /** Pins what `plotter.pin()` asked for, once per request: the notebook notes the ids it pinned. */
  private honourPinRequests(): void {
    const store = this.baselineStore;
    // Read again for each: a pin writes the notebook, whose change comes back here before the next.
    for (const request of this.payload?.pins ?? [])
      if (store && !store.read().pinRequestsDone.includes(request.id)) this.pin(request.run, request);
  }

  /** Pins a run of this output as a baseline in its notebook (the runs table's pin, `plotter.pin`). */
  private pin(run: string, request?: PinRequest): void {
    const store = this.baselineStore;
    const p = this.payload;
    if (!store || !p) return;
    const current = store.read();
    const baseline = baselineOf(
      { run, config: p.runs?.find(r => r.name === run)?.config ?? {}, from: p.title, metrics: p.metrics },
      {
        id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        pinnedAt: new Date().toISOString(),
        label: request?.label
      }
    );
    if (!baseline) {
      if (request) store.write({ ...current, pinRequestsDone: requestDone(current, request.id) });
      this.baselineNote = { text: `Nothing to pin: the run "${runLabel(run)}" has no points in this output.`, error: true };
      return;
    }
    const result = withPinned(current, baseline, request?.id);
    store.write(result.next);
    this.baselineNote = result.ok
      ? {
          text:
            `Pinned "${baseline.label}" as a baseline of this notebook (${Math.ceil(jsonBytes(baseline) / 1000)} kB of its metadata` +
            `${result.replaced ? `; it replaces the one pinned ${pinnedDay(result.replaced)}` : ''}). Save the notebook to keep it.`,
          error: false
        }
      : { text: result.error, error: true };
  }

  private unpin(id: string): void {
    const store = this.baselineStore;
    const gone = this.baselines.find(b => b.id === id);
    if (!store || !gone) return;
    store.write(withoutBaseline(store.read(), id));
    this.baselineNote = { text: `Unpinned "${gone.label}": it is no longer kept in this notebook.`, error: false };
  }

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopListening?.();
    this.stopListening = null;
    this.baselineStore = null;
    if (this.chartHighlightTimer) clearTimeout(this.chartHighlightTimer);
    this.chartHighlightTimer = null;
  }

  /**
   * Follow latest: a zoomed window that reached the last step keeps its width and slides with new
   * steps; one the user panned away from the end stays where it is.
   */
  protected willUpdate(changed: PropertyValues): void {
    if (changed.has('xAxis')) {
      this.xRange = null; // a range of steps means nothing in seconds
      this.dataEnd = null;
    }
    // The series as the charts draw them, once an update: render uses them too.
    this.drawn = this.payload ? this.axisMetrics(this.payload) : [];
    const end = this.payload ? lastX(this.drawn) : null;
    if (this.xRange && end !== null && this.dataEnd !== null && end > this.dataEnd && this.xRange.max >= this.dataEnd) {
      const shift = end - this.dataEnd;
      this.xRange = { min: this.xRange.min + shift, max: this.xRange.max + shift };
    }
    this.dataEnd = end;
    if (changed.has('payload')) this.honourPinRequests();
    // The notebook's sections render around the output, and cells move: found again now and then.
    if (performance.now() - this.titleLevelAt > TITLE_LEVEL_MS) {
      this.titleLevelAt = performance.now();
      this.titleLevel = headingLevelAfter(this);
    }
  }

  /** The x axis in effect: a time axis only when every series recorded its times. */
  private effectiveAxis(p: PlotterPayload): XAxisKind {
    return hasTimes(p.metrics, p.startedAt) ? this.xAxis : 'step';
  }

  /** The payload's series on the chosen x axis, with the zoomed range in full detail when the kernel sent it. */
  private axisMetrics(p: PlotterPayload): MetricSeries[] {
    const axis = this.effectiveAxis(p);
    const detail =
      this.xRange && this.rangeDetail?.axis === axis ? new Map(this.rangeDetail.metrics.map(m => [seriesKey(m), m])) : null;
    const metrics = detail ? p.metrics.map(m => withDetail(m, detail.get(seriesKey(m)))) : p.metrics;
    return onXAxis(metrics, axis, p.startedAt);
  }

  /** One CSV of every series shown: with runs, the visible runs' own series (not their groups' means); no baselines. */
  private exportAll(charts: ChartContents[]): void {
    const shown = charts.flatMap(c => c.metrics).filter(m => m.role !== 'baseline');
    const visible = new Set(shown.map(m => m.name));
    const metrics = (
      this.payload?.runs?.length ? this.drawn.filter(m => visible.has(m.name) && !this.hiddenRuns.has(runOf(m))) : shown
    ).map(byStep);
    const runs = (this.payload?.runs ?? []).filter(r => !this.hiddenRuns.has(r.name));
    downloadBlob(
      new Blob([toCsv(metrics, this.smoothing, this.payload?.startedAt, runs)], { type: 'text/csv' }),
      `${fileStem(this.payload?.title ?? 'metrics')}.csv`
    );
  }

  /** Group runs by a config key, or by everything but the seed; the band and the runs behind it. */
  private groupControls(runs: PlotterPayload['runs'] & object): unknown {
    const keys = allConfigKeys(runs);
    const value = this.grouping.by === 'key' ? `key:${this.grouping.key}` : this.grouping.by;
    const choose = (v: string): void => {
      this.grouping = v === 'none' || v === 'all but seed' ? { by: v } : { by: 'key', key: v.slice('key:'.length) };
    };
    return html`<div class="mp-controls mp-group-controls">
      <label>Group runs
        <select aria-label="Group runs" @change=${(e: Event) => choose((e.target as HTMLSelectElement).value)}>
          <option value="none" ?selected=${value === 'none'}>no grouping</option>
          ${keys.includes('seed') ? html`<option value="all but seed" ?selected=${value === 'all but seed'}>by everything but seed</option>` : nothing}
          ${keys.map(k => html`<option value=${`key:${k}`} ?selected=${value === `key:${k}`}>by ${k}</option>`)}
        </select></label>
      ${
        this.grouping.by !== 'none'
          ? html`<label>Band
                <select aria-label="Band" @change=${(e: Event) => (this.band = (e.target as HTMLSelectElement).value as BandKind)}>
                  <option value="min-max" ?selected=${this.band === 'min-max'}>min–max</option>
                  <option value="std" ?selected=${this.band === 'std'}>±1 std</option>
                </select></label>
              <label><input type="checkbox" .checked=${this.memberLines === 'faint'}
                @change=${(e: Event) => (this.memberLines = (e.target as HTMLInputElement).checked ? 'faint' : 'hidden')} /> Runs behind</label>`
          : nothing
      }
    </div>`;
  }

  /** The highlight of a run: it and its run group; null for no run, or one the plotter does not have. */
  private highlightOf(run: string | null): RunHighlight | null {
    if (run === null || !this.payload?.runs?.some(r => r.name === run)) return null;
    return { run, group: this.drawnGroups?.find(g => g.runs.includes(run))?.label ?? null };
  }

  /**
   * Hands the highlighted run to the runs table and the sweep view at once, and to the charts once
   * the pointer rests (HOVER_INTENT_MS): fading a run's lines redraws every chart on screen, which
   * a pointer crossing lines on its way should not set off at each one.
   */
  private highlightRun(run: string | null): void {
    if (run === this.highlightedRun) return;
    this.highlightedRun = run;
    for (const view of this.querySelectorAll<RunsTable | SweepView>('mp-runs-table, mp-sweep-view')) view.highlight = run;
    if (this.chartHighlightTimer) clearTimeout(this.chartHighlightTimer);
    this.chartHighlightTimer = setTimeout(() => {
      this.chartHighlightTimer = null;
      this.chartHighlightRun = run;
      const highlight = this.highlightOf(run);
      for (const chart of this.querySelectorAll<MetricChart>('mp-metric-chart')) chart.highlight = highlight;
    }, HOVER_INTENT_MS);
  }

  /** Selects a training step in every media card and marks it on every chart. */
  select(step: number): void {
    this.selection = { step, seq: ++this.seq };
  }

  protected render(): unknown {
    const p = this.payload;
    if (!p) return nothing;
    const axis = this.effectiveAxis(p);
    // With runs, every chart overlays the visible runs, each in its run's colour.
    const runs = p.runs ?? [];
    const shownRuns = runs.filter(r => !this.hiddenRuns.has(r.name));
    const visible = (item: { run?: string }): boolean => !this.hiddenRuns.has(runOf(item));
    // Grouped, each group is one colour: its mean, its band, and its runs faint behind.
    const grouped = runs.length > 1 && this.grouping.by !== 'none' ? groupRuns(shownRuns, this.grouping) : null;
    // What each run is drawn in: grouped, its group's colour (its lines are its group's, faint), so
    // that the runs table and the media tiles match the charts.
    const drawnColors = runColours(runs, grouped);
    const groupColors = (grouped ?? []).map(g => ({ ...g, color: drawnColors.get(g.runs[0])! }));
    this.drawnGroups = grouped;
    const chartHighlight = this.highlightOf(this.chartHighlightRun);
    // Runs are averaged at each training step (on a time axis too: a group's point is then at its
    // runs' mean time), so grouping works on the series by step and puts them on the axis after.
    // Each chart's run groups are averaged when the chart reads them: a chart off screen does not
    // (src/lab/charts/metric-chart.ts), and averaging every chart on every live update was most of
    // an update's time at 20 runs.
    const visibleSeries = this.drawn.filter(visible);
    // The notebook's baselines, dashed, in the charts of the metrics this output has: on the step
    // axis only (another session's times say nothing here).
    const metricNames = new Set(this.drawn.map(m => m.name));
    const baselineLines =
      axis === 'step' ? baselineChartSeries(this.baselines, this.hiddenBaselines, metricNames, sharesItsChart(this.drawn)) : [];
    const chartsShown = (series: ChartSeries[]): ChartContents[] =>
      grouped
        ? chartsOf(series).map(g => {
            let metrics: ChartSeries[] | null = null;
            const compute = (): ChartSeries[] => [
              ...onXAxis(
                groupedSeries(
                  g.metrics.filter(m => m.role !== 'baseline').map(byStep),
                  grouped,
                  this.band,
                  this.memberLines,
                  drawnColors
                ),
                axis,
                p.startedAt
              ),
              ...g.metrics.filter(m => m.role === 'baseline')
            ];
            return {
              title: g.title,
              get metrics() {
                return (metrics ??= compute());
              }
            };
          })
        : chartsOf(series);
    const series = [
      ...(grouped ? visibleSeries : runs.length ? colourByRun(visibleSeries, drawnColors) : this.drawn),
      ...baselineLines
    ];
    const allCharts = chartsShown(series);
    const matches = nameFilter(this.filter);
    const charts = this.filter ? chartsShown(series.filter(m => matches(m.name))) : allCharts;
    const shownMedia = runs.length ? p.media.filter(visible) : p.media;
    // With runs, a media name is one card with a tile per visible run.
    const media = runs.length
      ? groupMediaAcrossRuns(
          shownMedia,
          runs.map(r => r.name)
        )
      : groupMedia(shownMedia);
    const retiredOf = (s: MediaSeries): number =>
      s.runs
        ? s.runs.reduce((sum, run) => sum + (p.retired?.[seriesKey({ name: s.name, run })] ?? 0), 0)
        : (p.retired?.[seriesKey(s)] ?? 0);
    const mediaSteps = [...new Set(shownMedia.map(e => e.step))].sort((a, b) => a - b);
    // A card per histogram name, each holding the visible runs' series of it.
    const histograms = new Map<string, HistogramSeries[]>();
    for (const h of withHistogramDetail(p.histograms ?? [], this.histogramDetail))
      if (visible(h)) histograms.set(h.name, [...(histograms.get(h.name) ?? []), h]);
    // "Move together" links the cards' sliders: shown while there are two cards or more of either kind.
    const link =
      media.length + histograms.size > 1
        ? html`<label class="mp-link"><input type="checkbox" .checked=${this.linked}
            @change=${(e: Event) => (this.linked = (e.target as HTMLInputElement).checked)} /> Move together</label>`
        : nothing;
    const selectedStep = this.selection?.step ?? null;
    const failure = failureText(this.status);
    return html`
      <section class="mp-panel" data-state=${this.status.kind} aria-label="Metrics plotter ${p.title}">
        <header class="mp-header">
          <div class="mp-title" role="heading" aria-level=${this.titleLevel}>${p.title}</div>
          <span class="mp-state mp-state-${this.status.kind}" role="status">${statusLine(
            this.status,
            p.media.filter(e => !e.kept) // kept files are the user's: the session's end leaves them
          )}</span>
        </header>
        ${failure ? html`<pre class="mp-failure" role="alert">${failure}</pre>` : nothing}
        ${p.kernel.oneWay && this.status.kind === 'live' ? html`<div class="mp-note" role="note">${oneWayNote(p.kernel.oneWay)}</div>` : nothing}
        ${
          runs.length
            ? html`<mp-runs-table .runs=${runs} .colors=${drawnColors} .hiddenRuns=${this.hiddenRuns} .metrics=${p.metrics}
                .groups=${groupColors} .highlight=${this.highlightedRun} .canPin=${!!this.baselineStore}></mp-runs-table>
                ${runs.length > 1 ? this.groupControls(runs) : nothing}
                ${
                  runs.length > 1
                    ? html`<mp-sweep-view .runs=${runs} .metrics=${p.metrics} .colors=${drawnColors} .hiddenRuns=${this.hiddenRuns}
                  .highlight=${this.highlightedRun}></mp-sweep-view>`
                    : nothing
                }`
            : nothing
        }
        ${
          this.baselines.length && this.baselineStore
            ? html`<mp-baselines-table .baselines=${this.baselines} .hiddenBaselines=${this.hiddenBaselines}
                .metricNames=${[...metricNames]}></mp-baselines-table>
                ${axis !== 'step' ? html`<span class="mp-hint">Baselines are drawn on the step axis.</span>` : nothing}`
            : nothing
        }
        ${
          this.baselineNote
            ? html`<div class="mp-note mp-baseline-note" role=${this.baselineNote.error ? 'alert' : 'status'}>${this.baselineNote.text}</div>`
            : nothing
        }
        ${
          p.pins?.length && !this.baselineStore
            ? html`<div class="mp-note mp-pin-note" role="note">
                plotter.pin() keeps a baseline in its notebook, and this output is in none (a Voilà dashboard, an
                output in a view of its own): ${p.pins.length === 1 ? 'its pin is' : `its ${p.pins.length} pins are`} not
                carried out here. Pin from the notebook in JupyterLab.
              </div>`
            : nothing
        }
        ${
          allCharts.length
            ? html`<div class="mp-controls">
                <label>Smoothing
                  <input type="range" min="0" max="0.99" step="0.01" .value=${String(this.smoothing)}
                    @input=${(e: Event) => (this.smoothing = Number((e.target as HTMLInputElement).value))} aria-label="Smoothing" />
                  <output>${this.smoothing.toFixed(2)}</output>
                </label>
                <label><input type="checkbox" .checked=${this.logScale}
                  @change=${(e: Event) => (this.logScale = (e.target as HTMLInputElement).checked)} /> Log scale</label>
                ${
                  hasTimes(p.metrics, p.startedAt)
                    ? html`<label>X axis
                        <select aria-label="X axis" .value=${axis}
                          @change=${(e: Event) => (this.xAxis = (e.target as HTMLSelectElement).value as XAxisKind)}>
                          <option value="step" ?selected=${axis === 'step'}>Step</option>
                          <option value="relative" ?selected=${axis === 'relative'}>Relative time</option>
                          <option value="wall" ?selected=${axis === 'wall'}>Wall time</option>
                        </select></label>`
                    : nothing
                }
                <label><input type="checkbox" .checked=${this.ignoreOutliers}
                  @change=${(e: Event) => (this.ignoreOutliers = (e.target as HTMLInputElement).checked)} /> Ignore outliers</label>
                <label title="Draw each line in its own dash pattern, to tell lines apart without colour"><input type="checkbox"
                  .checked=${this.dashes} @change=${(e: Event) => (this.dashes = (e.target as HTMLInputElement).checked)} /> Dashes</label>
                <input class="mp-filter" type="search" placeholder="Filter metrics (text or regex)" aria-label="Filter metrics"
                  .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />
                ${this.filter ? html`<span class="mp-hint" role="status">${charts.length} of ${allCharts.length} charts</span>` : nothing}
                <button class="mp-button" data-action="csv-all" @click=${() => this.exportAll(charts)}
                  title="Download every chart shown as one CSV (raw and, with smoothing on, smoothed columns)">CSV of all charts</button>
                ${
                  this.baselineStore && !runs.length
                    ? html`<button class="mp-button" data-action="pin" @click=${() => this.pin(DEFAULT_RUN)}
                        title="Keep these curves in the notebook: every later output of it draws them dashed">Pin as baseline</button>`
                    : nothing
                }
                ${media.length ? html`<span class="mp-hint">Click a chart to show the media of that step.</span>` : nothing}
              </div>
              <div class="mp-charts">
                ${charts.map(
                  c => html`<mp-metric-chart .chart=${c} .smoothing=${this.smoothing} .logScale=${this.logScale}
                    .mediaSteps=${mediaSteps} .selectedStep=${selectedStep} .syncKey=${this.syncKey} .xRange=${this.xRange}
                    .ignoreOutliers=${this.ignoreOutliers} .xAxis=${axis} .startedAt=${p.startedAt} .runs=${shownRuns}
                    .rangeInDetail=${!!(this.xRange && this.rangeDetail?.axis === axis)}
                    .rangeMerged=${!!this.rangeDetail?.merged} .highlight=${chartHighlight} .dashes=${this.dashes}></mp-metric-chart>`
                )}
              </div>`
            : histograms.size
              ? nothing
              : html`<div class="mp-empty">No metrics yet: call plotter.addScalar(name, value, step).</div>`
        }
        ${
          p.omittedMetrics
            ? html`<div class="mp-note" role="note">
              ${formatCount(p.omittedMetrics)} more metrics are recorded in the kernel but not shown: one output
              has a size budget, and these did not fit. Show fewer metrics per plotter (one plotter per group).
            </div>`
            : nothing
        }
        ${
          p.omittedHistograms
            ? html`<div class="mp-note" role="note">
              ${formatCount(p.omittedHistograms)} more histograms are recorded in the kernel but not shown: one output
              has a size budget, and these did not fit. Log fewer histogram names per plotter, or fewer runs of them.
            </div>`
            : nothing
        }
        ${p.memoryBound ? html`<div class="mp-note" role="note">${memoryBoundMessage(p.memoryBound)}</div>` : nothing}
        ${(p.watched ?? []).map(w => html`<div class="mp-note mp-watched" role="note">${watchedLogdirMessage(w)}</div>`)}
        ${
          histograms.size
            ? html`<div class="mp-histogram-section">
              ${media.length ? nothing : link}
              <div class="mp-histogram-cards">
                ${[...histograms].map(
                  ([name, series]) => html`<mp-histogram-card .name=${name} .series=${series} .colors=${drawnColors}
                    .selection=${this.selection}></mp-histogram-card>`
                )}
              </div>
            </div>`
            : nothing
        }
        ${
          media.length
            ? html`<div class="mp-media-section">
              ${link}
              <div class="mp-media-cards">
                ${media.map(
                  s => html`<mp-media-card .series=${s} .states=${this.mediaStates} .stills=${this.stills} .keepErrors=${this.keepErrors}
                    .canKeep=${this.status.kind === 'live' && p.state === 'live' && !p.kernel.oneWay} .retired=${retiredOf(s)} .runColors=${drawnColors}
                    .selection=${this.selection}></mp-media-card>`
                )}
              </div>
            </div>`
            : nothing
        }
      </section>
    `;
  }
}

/**
 * One level below the last visible heading before `el` in its notebook (a markdown section), or in
 * the page outside one, at most 6; 2 when none is: a title that skips levels breaks a screen reader's outline of the page (and
 * axe's heading-order). A heading rendered later than the output only lowers what it follows.
 */
function headingLevelAfter(el: Element): number {
  let level = 1;
  // In a notebook, its own sections: JupyterLab's panels have headings of their own that come and go.
  const scope = el.closest('.jp-Notebook') ?? document;
  for (const h of scope.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"][aria-level]')) {
    if (el.contains(h) || !(h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
    // A hidden heading (a closed panel's, a tab's) is in no one's outline.
    if (typeof h.checkVisibility === 'function' && !h.checkVisibility()) continue;
    level = Number(/^H(\d)$/.exec(h.tagName)?.[1] ?? h.getAttribute('aria-level')) || level;
  }
  return Math.min(6, level + 1);
}

/** The largest x of any series: where "follow latest" slides a zoomed window to. */
function lastX(metrics: readonly MetricSeries[]): number | null {
  let end: number | null = null;
  for (const m of metrics) {
    const last = m.steps[m.steps.length - 1];
    if (last !== undefined && (end === null || last > end)) end = last;
  }
  return end;
}

if (!customElements.get('mp-plotter-panel')) customElements.define('mp-plotter-panel', PlotterPanelElement);
