/**
 * <mp-metric-chart>: one chart (its metrics, chart-series.ts) drawn by uPlot, which keeps 10 series × 100k
 * points smooth on a canvas. One legend: a keyboard-reachable toggle per series that also shows its
 * value at the hovered step (raw, and smoothed when smoothing is on), or at the latest step when
 * nothing is hovered. Axis ticks and values read right at every magnitude (src/protocol/format).
 * Drag to zoom on x, double-click or Reset to go back; the panel keeps the cursor and the x range
 * of all its charts together (`syncKey`, `xRange`). CSV and PNG export. Smoothing and log scale
 * come from the parent view so that one control drives every chart. What it draws is shaped by
 * pure functions (chart-data.ts, plot-options.ts, chart-export.ts); this file holds the element.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import { seriesKey, type RunInfo } from '../../protocol';
import { highlightEvent, isHighlighted, type RunHighlight } from '../runs/run-highlight';
import { describeChart } from '../../protocol/chart-summary';
import { searchSorted } from '../../protocol/downsample';
import { formatCount, formatDuration, formatNumber } from '../../protocol/format';
import { alignSeries } from './align';
import {
  colorOf,
  dashOf,
  drawCost,
  labelOf,
  listed,
  plotData,
  seriesIndexes,
  seriesOfLine,
  shownData,
  smoothingOn,
  toggleKey,
  yRange,
  type YShaping
} from './chart-data';
import { downloadChartCsv, downloadChartPng } from './chart-export';
import type { ChartContents, ChartSeries } from './chart-series';
import { cancelDraw, queueDraw } from './draw-queue';
import { CHART_HEIGHT, drawStepLine, onThemeChange, plotOptions } from './plot-options';
import type { TimedSeries, XAxisKind } from './x-axis';
import { sliderKeyTarget } from '../slider-keys';

/** What the user changes that reshapes a chart: it draws at once, never in a later turn. */
const RESHAPING = ['smoothing', 'logScale', 'logOverride', 'ignoreOutliers', 'xAxis', 'dashes'];
/** Sent (bubbling) when the user clicks a point of a chart: the panel selects that step in its media. */
export const SELECT_STEP_EVENT = 'mp-select-step';
/** Legend entries from which the legend is a grid of columns. */
const LEGEND_GRID_FROM = 9;
/** Sent (bubbling) when the user zooms a chart on x (detail: the range, or null for all steps). */
export const X_RANGE_EVENT = 'mp-x-range';

export interface XRange {
  min: number;
  max: number;
}

/**
 * How many points a chart's downsampled series show: each by name while there are a few, one line
 * for many (a sweep's twenty runs would otherwise fill the chart's foot, and relayout it every update).
 */
/** The x range a plot shows when it is zoomed into its data; null when it shows it all. */
function zoomedRange(u: uPlot): { min: number; max: number } | null {
  const { min, max } = u.scales.x ?? {};
  const xs = u.data?.[0];
  if (min == null || max == null || !xs?.length) return null;
  return min > xs[0] || max < xs[xs.length - 1] ? { min, max } : null;
}

function downsampledNote(downsampled: readonly ChartSeries[]): string {
  if (downsampled.length <= 3) {
    return downsampled
      .map(m => `${labelOf(m)}: ${formatCount(m.steps.length)} of ${formatCount(m.totalPoints)} points shown (min/max kept).`)
      .join(' ');
  }
  const shown = Math.max(...downsampled.map(m => m.steps.length));
  const logged = Math.max(...downsampled.map(m => m.totalPoints));
  return `${downsampled.length} series downsampled: at most ${formatCount(shown)} of up to ${formatCount(logged)} points each shown (min/max kept).`;
}

export class MetricChart extends LitElement {
  static properties = {
    chart: { attribute: false },
    smoothing: { type: Number },
    logScale: { type: Boolean, attribute: 'log-scale' },
    hidden_: { state: true },
    zoomed: { state: true },
    mediaSteps: { attribute: false },
    selectedStep: { attribute: false },
    syncKey: { attribute: false },
    xRange: { attribute: false },
    ignoreOutliers: { attribute: false },
    hoverIdx: { state: true },
    logOverride: { state: true },
    collapsed: { state: true },
    xAxis: { attribute: false },
    startedAt: { attribute: false },
    runs: { attribute: false },
    rangeInDetail: { attribute: false },
    rangeMerged: { attribute: false },
    highlight: { attribute: false },
    dashes: { attribute: false },
    announcement: { state: true }
  };

  chart: ChartContents = { title: '', metrics: [] };
  smoothing = 0;
  logScale = false;
  /** Series (by toggleKey) switched off by the user; kept across live updates. */
  hidden_: Set<string> = new Set();
  zoomed = false;
  /** Steps where media were logged: marked on the x axis. */
  mediaSteps: number[] = [];
  /** The step selected in the panel: marked with a line. */
  selectedStep: number | null = null;
  /** Charts with the same key move their cursors together (the panel's). */
  syncKey = '';
  /** The x range the panel shows (null: all steps). */
  xRange: XRange | null = null;
  /** The data index under the cursor, or null. */
  hoverIdx: number | null = null;
  /** Fit the y axis to the 5th–95th percentile (plus a margin), as TensorBoard's "ignore outliers". */
  ignoreOutliers = false;
  /** This chart's own log-scale choice; null follows the panel's switch. */
  logOverride: boolean | null = null;
  /** Folded to its title, for plotters with many charts. */
  collapsed = false;
  /** What x is; with a time axis the chart's series carry x in seconds and their steps aside (x-axis.ts onXAxis). */
  xAxis: XAxisKind = 'step';
  /** The zoomed range holds every point the kernel has (the panel merged the kernel's answer in). */
  rangeInDetail = false;
  /** Some of the zoomed range is min/max buckets the kernel merged at its memory bound. */
  rangeMerged = false;
  /** The run highlighted in every view: the other lines are faded. */
  highlight: RunHighlight | null = null;
  /** Each line with its run's dash pattern (the panel's "Dashes"). */
  dashes = false;
  /** The values at the step a keyboard user moved to, for the live region (empty: nothing to say). */
  announcement = '';
  /** The chart in words (src/protocol/chart-summary.ts), as of its last shaping: its text alternative. */
  private description = '';
  /** The plot and the highlight last applied to it. */
  private highlighted: { plot: uPlot | null; highlight: RunHighlight | null } = { plot: null, highlight: null };
  /** The runs drawn, for the CSV's run and config columns (empty: the plotter has no runs). */
  runs: RunInfo[] = [];
  /** When the plotter's first point was added (ms since the epoch), for the CSV's wall_time. */
  startedAt: number | undefined = undefined;
  /** On a time axis: the training step of each x. */
  private stepOfX = new Map<number, number>();
  /**
   * The series the chart shows: the group's as of its last shaping. A live update's new points
   * are shaped in the chart's draw turn (src/lab/charts/draw-queue.ts), not in the task that
   * brought them, so the legend, the plot and `raw`/`shown` always describe the same series.
   */
  private series: ChartSeries[] = [];
  /** The raw (unsmoothed) aligned data, for the legend's values. */
  private raw: uPlot.AlignedData = [[]];
  /** What the plot draws: smoothed, and on a log axis without values ≤ 0. */
  private shown: uPlot.AlignedData = [[]];
  /** Set while this chart applies a range the panel gave it, so that it is not sent back. */
  private applyingRange = false;

  private plot: uPlot | null = null;
  private plotKey = '';
  private droppedForLog = 0;
  private resizeObserver: ResizeObserver | null = null;
  /** Waiting for the plot's box to be laid out before drawing (drawOnceLaidOut). */
  private layoutWait: ResizeObserver | null = null;
  private themeObserver: MutationObserver | null = null;
  private visibility: IntersectionObserver | null = null;
  /** Whether the chart is on screen (or near it); without an IntersectionObserver (jsdom), always. */
  private onScreen = typeof IntersectionObserver === 'undefined';
  /** Changes came while off screen. */
  private missed = false;
  /** The update that draws what was missed. */
  private catchUp = false;
  /** New points came that are not shaped yet: they are in the chart's draw turn, or its next draw. */
  private unshaped = false;

  /** Light DOM: JupyterLab's theme variables and uPlot's stylesheet apply directly. */
  protected createRenderRoot(): HTMLElement {
    return this;
  }

  /** The uPlot instance, for tests and the benchmark. */
  get uplot(): uPlot | null {
    return this.plot;
  }

  /** Whether new data waits for this chart's turn to be drawn (src/lab/charts/draw-queue.ts), for tests and the benchmark. */
  get drawPending(): boolean {
    return this.unshaped;
  }

  connectedCallback(): void {
    super.connectedCallback();
    // A chart scrolled out of sight skips live updates and catches up when it comes back: with
    // dozens of metrics, only the few charts on screen are redrawn four times a second.
    if (typeof IntersectionObserver !== 'undefined') {
      this.visibility = new IntersectionObserver(
        entries => {
          const visible = entries[entries.length - 1].isIntersecting;
          if (visible === this.onScreen) return;
          this.onScreen = visible;
          if (visible && this.missed) {
            this.catchUp = true;
            this.requestUpdate();
          }
        },
        { rootMargin: '300px' }
      );
      this.visibility.observe(this);
    }
    this.themeObserver = onThemeChange(() => this.rebuild());
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.visibility?.disconnect();
    this.visibility = null;
    this.themeObserver?.disconnect();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.layoutWait?.disconnect();
    this.layoutWait = null;
    cancelDraw(this);
    this.plot?.destroy();
    this.plot = null;
    this.plotKey = '';
  }

  protected render(): unknown {
    const { title } = this.chart;
    const downsampled = this.series.filter(m => m.totalPoints > m.steps.length);
    return html`
      <div class="mp-chart-header">
        <button class="mp-chart-title" aria-expanded=${this.collapsed ? 'false' : 'true'} @click=${() => (this.collapsed = !this.collapsed)}
          title=${this.collapsed ? 'Show this chart' : 'Collapse this chart'}><span class="mp-fold" aria-hidden="true">${this.collapsed ? '▸' : '▾'}</span>
          <span class="mp-chart-name">${title}</span></button>
        <span class="mp-chart-actions">
          <button class="mp-button" data-action="reset" ?disabled=${!this.zoomed} @click=${this.resetZoom}
            title="Show all steps again (or double-click the chart)">Reset zoom</button>
          <button class="mp-button" data-action="log" aria-pressed=${this.log ? 'true' : 'false'}
            @click=${() => (this.logOverride = !this.log)} title="Log scale for this chart">log</button>
          <button class="mp-button" data-action="csv" @click=${this.exportCsv} title="Download this chart's data as CSV">CSV</button>
          <button class="mp-button" data-action="png" @click=${this.exportPng} title="Download this chart as a PNG image">PNG</button>
        </span>
      </div>
      <div class="mp-chart-body" ?hidden=${this.collapsed}>
      ${this.legend()}
      <div class="mp-plot" style="min-height:${CHART_HEIGHT}px" role="img" tabindex="0" @keydown=${this.onPlotKey}
        aria-label="${this.description || `Chart of ${title}`} ← and → read the values step by step."></div>
      <span class="mp-visually-hidden" aria-live="polite">${this.announcement}</span>
      ${
        downsampled.length || (this.log && this.droppedForLog) || (this.rangeInDetail && this.rangeMerged)
          ? html`<div class="mp-chart-note">
            ${
              this.rangeInDetail && this.rangeMerged
                ? html`<span class="mp-merged-note">This range shows min/max buckets, not every point: the plotter reached its memory
                    bound and merged older points (each bucket's smallest and largest value kept). </span>`
                : this.rangeInDetail && downsampled.length
                  ? html`<span>Every point in the zoomed range; outside it, min/max of each bucket. </span>`
                  : html`<span>${downsampledNote(downsampled)}</span>`
            }
            ${this.log && this.droppedForLog ? html`<span>${formatCount(this.droppedForLog)} values ≤ 0 are not drawn on the log scale.</span>` : nothing}
          </div>`
          : nothing
      }
      </div>
    `;
  }

  /**
   * A chart off screen renders once (its frame, so that the page keeps its height) and then waits
   * until it is scrolled to: its series (for grouped runs, their means and bands) are not even
   * computed until then.
   */
  protected shouldUpdate(changed: PropertyValues): boolean {
    if (this.onScreen) return true;
    this.missed ||= ['chart', 'smoothing', 'logScale', 'logOverride', 'ignoreOutliers', 'xRange', 'xAxis', 'highlight'].some(k =>
      changed.has(k)
    );
    return !this.hasUpdated;
  }

  /**
   * The data is shaped before rendering, so that the legend shows what the plot will draw; new
   * points alone (a live update) are shaped in the chart's draw turn instead (see `series`).
   */
  protected willUpdate(changed: PropertyValues): void {
    if (!this.onScreen) return;
    if (this.liveUpdate(changed)) {
      this.unshaped = true;
      return;
    }
    if (this.catchUp || changed.has('chart') || this.unshaped) this.shape();
    else if (changed.has('smoothing') || changed.has('logScale') || changed.has('logOverride')) this.shown = this.chartData();
  }

  /** Only new points came, to a chart already drawn. */
  private liveUpdate(changed: PropertyValues): boolean {
    return !this.catchUp && this.plot !== null && changed.has('chart') && !RESHAPING.some(k => changed.has(k));
  }

  /** Aligns the group's series (`raw`) and shapes what the plot draws (`shown`). */
  private shape(): void {
    this.unshaped = false;
    this.series = this.chart.metrics;
    // At most two x a pixel column: runs that do not share their steps go on one grid.
    this.raw = alignSeries(this.series, Math.max(240, this.clientWidth || 600));
    this.stepOfX = new Map();
    for (const m of this.series as TimedSeries[]) {
      m.trainingSteps?.forEach((step, i) => this.stepOfX.set(m.steps[i], step));
    }
    this.shown = this.chartData();
    const listedSeries = this.series.filter(listed);
    this.description = describeChart(
      this.chart.title,
      listedSeries.map(m => ({ label: labelOf(m), steps: m.steps, values: m.values })),
      x => this.describeX(x)
    );
  }

  /**
   * The keyboard's way along the chart: ←/→ (and ↓/↑) move the cursor a point, PageUp/PageDown a
   * tenth of the range shown, Home/End to its ends, Escape leaves; the legend shows the values
   * there, and the live region says them. The keys are the chart's: JupyterLab's command mode
   * would take them otherwise.
   */
  private onPlotKey = (e: KeyboardEvent): void => {
    const u = this.plot;
    const xs = u?.data[0];
    if (!u || !xs?.length) return;
    const { min, max } = u.scales.x;
    const first = min === undefined || min === null ? 0 : searchSorted(xs, min);
    const last = max === undefined || max === null ? xs.length - 1 : Math.max(first, searchSorted(xs, max, 'right') - 1);
    const at = this.hoverIdx === null ? last : Math.max(first, Math.min(last, this.hoverIdx));
    const tenth = Math.max(1, Math.round((last - first) / 10));
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      u.setCursor({ left: -10, top: -10 });
      this.hoverIdx = null;
      this.announcement = '';
      return;
    }
    const paged = e.key === 'PageUp' ? at + tenth : e.key === 'PageDown' ? at - tenth : null;
    const stepped = sliderKeyTarget(e.key, at - first, last - first);
    const to = paged !== null ? Math.max(first, Math.min(last, paged)) : stepped === null ? null : first + stepped;
    if (to === null) return;
    e.preventDefault();
    e.stopPropagation();
    u.setCursor({ left: u.valToPos(xs[to], 'x'), top: u.bbox.height / (2 * devicePixelRatio) });
    this.hoverIdx = to;
    this.announcement = this.valuesAt(to);
  };

  /** "step 120: lr=0.1 0.53, lr=0.3 0.21": the legend's content at a point, for the live region. */
  private valuesAt(idx: number): string {
    const values = this.series
      .map((m, i) => ({ m, v: (this.raw[i + 1] as ArrayLike<number | null | undefined>)?.[idx] }))
      .filter(({ m, v }) => listed(m) && !this.hidden_.has(toggleKey(m)) && v !== undefined && v !== null)
      .map(({ m, v }) => `${labelOf(m)} ${formatNumber(v as number)}`);
    return `${this.describeX((this.raw[0] as ArrayLike<number>)[idx])}: ${values.length ? values.join(', ') : 'no values'}`;
  }

  /**
   * The series the legend lists, by index: a group's band edges and its runs are drawn, not listed
   * (its mean stands for them); while the cursor is on a chart of runs, the highest value first, so
   * that the legend reads as a ranking of the runs at that step.
   */
  private legendOrder(at: (data: uPlot.AlignedData, s: number) => number | null): number[] {
    const metrics = this.series;
    const inLegend = metrics.map((_, i) => i).filter(i => listed(metrics[i]));
    if (this.hoverIdx === null || !metrics.some(m => m.color)) return inLegend;
    const value = (i: number): number => at(this.raw, i + 1) ?? -Infinity;
    return inLegend.sort((a, b) => (value(a) === value(b) ? a - b : value(b) > value(a) ? 1 : -1));
  }

  /** The one legend: a toggle per series with its value at the hovered (or latest) step. */
  private legend(): unknown {
    const { title } = this.chart;
    const metrics = this.series;
    const xs = this.raw[0] as ArrayLike<number>;
    const idx = this.hoverIdx ?? (xs.length ? xs.length - 1 : null);
    const at = (data: uPlot.AlignedData, s: number): number | null => {
      const v = idx === null ? null : (data[s] as ArrayLike<number | null | undefined>)?.[idx];
      return v === undefined ? null : v;
    };
    const smoothed = this.smoothing > 0 ? this.shown : null;
    const order = this.legendOrder(at);
    // From nine entries on, a grid: a wrapped row of that many reads unevenly.
    const grid = order.length >= LEGEND_GRID_FROM;
    return html`<div class="mp-legend${grid ? ' mp-legend-grid' : ''}" role="group" aria-label="Series shown in ${title}">
      <span class="mp-legend-step">${idx === null ? 'no points yet' : `${this.hoverIdx === null ? 'latest: ' : ''}${this.describeX(xs[idx])}`}</span>
      ${order.map(i => {
        const m = metrics[i];
        const raw = at(this.raw, i + 1);
        const smooth = smoothed ? at(smoothed, i + 1) : null;
        return html`<label class="mp-toggle">
          <input type="checkbox" .checked=${!this.hidden_.has(toggleKey(m))} @change=${(e: Event) => this.toggle(toggleKey(m), (e.target as HTMLInputElement).checked)} />
          ${swatch(colorOf(m, i), dashOf(m, i, this.dashes))}<span class="mp-legend-name" title=${labelOf(m)}>${labelOf(m)}</span>
          <span class="mp-legend-value">${raw === null ? '' : formatNumber(raw)}${smoothed && smooth !== null ? html` <span class="mp-legend-smoothed">(smoothed ${formatNumber(smooth)})</span>` : nothing}</span>
        </label>`;
      })}
    </div>`;
  }

  /** "step 1,200", and on a time axis also when: "step 1,200 · 3m 20s" or "step 1,200 · 14:03:12". */
  private describeX(x: number): string {
    if (this.xAxis === 'step') return `step ${formatCount(x)}`;
    const step = this.stepOfX.get(x);
    const when = this.xAxis === 'relative' ? formatDuration(x) : new Date(x * 1000).toLocaleTimeString();
    return step === undefined ? when : `step ${formatCount(step)} · ${when}`;
  }

  /** Where a training step is on this chart's x axis (on a time axis: when it was first logged). */
  private xOfStep(step: number): number | null {
    if (this.xAxis === 'step') return step;
    const m = this.series[0] as TimedSeries | undefined;
    const steps = m?.trainingSteps;
    if (!m || !steps?.length) return null;
    const at = searchSorted(steps, step);
    return at < steps.length ? m.steps[at] : null;
  }

  protected updated(changed: PropertyValues): void {
    if (!this.onScreen) return;
    if (this.catchUp) {
      this.catchUp = this.missed = false;
      this.draw();
      this.applyRange();
      this.applyHighlight();
      return;
    }
    const reshaped = RESHAPING.some(k => changed.has(k)) || !this.plot;
    // New points (a live update) wait for this chart's turn; what the user changed draws at once.
    if (reshaped) this.draw();
    else if (this.unshaped && changed.has('chart'))
      queueDraw(this, drawCost(this.series, this.shown, this.hidden_, this.yShaping), () => this.draw());
    else if (changed.has('mediaSteps') || changed.has('selectedStep')) this.plot?.redraw(false);
    if (changed.has('xRange') && this.plot) this.applyRange();
    this.applyHighlight();
  }

  /**
   * Fades every line but the highlighted run's (and its run group's), once per plot and highlight.
   * The plot redraws in its turn (draw-queue.ts), as for a live update: ten charts of 20 runs
   * redrawn in the pointer's task were a 50 ms task.
   */
  private applyHighlight(): void {
    const u = this.plot;
    if (!u || (this.highlighted.plot === u && this.highlighted.highlight === this.highlight)) return;
    const fresh = this.highlighted.plot !== u;
    this.highlighted = { plot: u, highlight: this.highlight };
    const h = this.highlight;
    this.series.forEach((m, i) => {
      const alpha = !h || isHighlighted(m, h) ? 1 : 0.15;
      for (const line of seriesIndexes(i, this.yShaping)) if (u.series[line]) u.series[line].alpha = alpha;
    });
    if (!fresh) {
      // Only the alpha changed: the lines' paths are kept (redraw without rebuilding them), unless
      // new points wait for this chart's turn too.
      queueDraw(this, drawCost(this.series, this.shown, this.hidden_, this.yShaping), () =>
        this.unshaped ? this.draw() : this.plot?.redraw(false)
      );
    } else if (h) {
      // A plot just made drew every line at full alpha.
      u.redraw(false);
    }
  }

  /** The pointer came near a line (or left every line): its run is highlighted everywhere. */
  private focusLine(line: number | null): void {
    if (!this.runs.length) return;
    const m = line === null ? undefined : this.series[seriesOfLine(line, this.yShaping)];
    const run = m && (!m.role || m.role === 'member') ? (m.run ?? null) : null;
    if (run !== (this.highlight?.run ?? null)) this.dispatchEvent(highlightEvent(run));
  }

  /**
   * Shows the panel's x range (or every step). `force` sets it even when it is the range shown:
   * after new data, so that the y axis fits what is now inside it.
   */
  private applyRange(force = false): void {
    const u = this.plot;
    if (!u) return;
    const xs = u.data[0];
    const range = this.xRange ?? (xs.length ? { min: xs[0], max: xs[xs.length - 1] } : null);
    if (!range || (!force && u.scales.x.min === range.min && u.scales.x.max === range.max)) return;
    this.applyingRange = true;
    try {
      u.setScale('x', range);
    } finally {
      this.applyingRange = false;
    }
    this.zoomed = this.xRange !== null;
  }

  /** Marks media steps (short ticks at the bottom) and the selected step (a line) on the plot. */
  private drawMarkers(u: uPlot): void {
    if (!this.mediaSteps.length && this.selectedStep === null) return;
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const css = getComputedStyle(this);
    const x = (step: number): number | null => {
      const value = this.xOfStep(step);
      if (value === null) return null;
      const pos = u.valToPos(value, 'x', true);
      return pos >= left && pos <= left + width ? pos : null;
    };
    ctx.save();
    ctx.strokeStyle = css.getPropertyValue('--jp-ui-font-color2').trim() || '#888';
    ctx.lineWidth = 2 * devicePixelRatio;
    const tick = 8 * devicePixelRatio;
    for (const step of this.mediaSteps) {
      const at = x(step);
      if (at === null) continue;
      ctx.beginPath();
      ctx.moveTo(at, top + height);
      ctx.lineTo(at, top + height - tick);
      ctx.stroke();
    }
    ctx.restore();
    const at = this.selectedStep === null ? null : x(this.selectedStep);
    if (at !== null) drawStepLine(u, at, css.getPropertyValue('--jp-brand-color1').trim() || '#1976d2');
  }

  /** A click (not the end of a drag-to-zoom) selects the step of the nearest point. */
  private listenForClicks(u: uPlot): void {
    let downX = 0;
    u.over.addEventListener('mousedown', e => (downX = e.clientX));
    u.over.addEventListener('click', e => {
      if (Math.abs(e.clientX - downX) > 3) return;
      const idx = u.cursor.idx;
      const x = idx === null || idx === undefined ? null : (u.data[0][idx] as number);
      const step = x === null ? null : (this.stepOfX.get(x) ?? x);
      if (step !== null) this.dispatchEvent(new CustomEvent(SELECT_STEP_EVENT, { detail: { step }, bubbles: true }));
    });
  }

  /** What the chart draws (`shown`), shaped from `raw`; the render that follows reads `droppedForLog`. */
  private chartData(): uPlot.AlignedData {
    const { shown, dropped } = shownData(this.raw, this.yShaping);
    this.droppedForLog = dropped;
    return shown;
  }

  /** The log scale in effect: this chart's own choice, or the panel's. */
  get log(): boolean {
    return this.logOverride ?? this.logScale;
  }

  private get yShaping(): YShaping {
    return { smoothing: this.smoothing, log: this.log };
  }

  /** Creates the plot when its shape changed (series, scale); otherwise just swaps the data. */
  private draw(): void {
    const container = this.querySelector<HTMLElement>('.mp-plot');
    if (!container || !this.isConnected) return;
    cancelDraw(this);
    if (notLaidOut(container)) return this.drawOnceLaidOut(container);
    if (this.unshaped) {
      this.shape();
      this.requestUpdate(); // the legend, for the series just shaped
    }
    const key = JSON.stringify([
      this.series.map(m => [seriesKey(m), labelOf(m), m.color, m.role]),
      this.log,
      smoothingOn(this.yShaping),
      this.ignoreOutliers,
      this.xAxis,
      this.dashes
    ]);
    const data = plotData(this.raw, this.shown, this.yShaping);
    if (this.plot && key === this.plotKey) {
      // Live update: the panel's x range stays (it slides along while it follows the latest step).
      this.plot.setData(data, !this.xRange);
      if (this.xRange) this.applyRange(true);
      return;
    }
    this.plot?.destroy();
    this.plotKey = key;
    this.plot = new uPlot(this.options(container), data, container);
    this.listenForClicks(this.plot);
    this.plot.over.addEventListener('mouseleave', () => this.focusLine(null));
    this.applyHighlight();
    if (this.xRange) this.applyRange();
    if (!this.resizeObserver && typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(() => this.fit());
      this.resizeObserver.observe(container);
    }
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = null;
    this.plotKey = '';
    this.draw();
  }

  private width(container: HTMLElement): number {
    return Math.max(240, container.clientWidth || 600);
  }

  /**
   * Draws once the plot's box has a width again. A box without one (JupyterLab swapping its theme's
   * stylesheet, a folded chart, a hidden tab) would get a guessed width that stuck: a chart wider
   * than its column, over its neighbour, until the page was resized.
   */
  private drawOnceLaidOut(container: HTMLElement): void {
    if (this.layoutWait) return;
    this.layoutWait = new ResizeObserver(() => {
      if (notLaidOut(container)) return;
      this.layoutWait?.disconnect();
      this.layoutWait = null;
      this.draw();
    });
    this.layoutWait.observe(container);
  }

  private fit(): void {
    const container = this.querySelector<HTMLElement>('.mp-plot');
    if (container && notLaidOut(container)) return;
    if (this.plot && container && this.plot.width !== this.width(container)) {
      this.plot.setSize({ width: this.width(container), height: CHART_HEIGHT });
    }
  }

  private options(container: HTMLElement): uPlot.Options {
    const css = getComputedStyle(this);
    const color = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
    return plotOptions(
      {
        ...this.yShaping,
        width: this.width(container),
        series: this.series,
        hidden: this.hidden_,
        xAxis: this.xAxis,
        syncKey: this.syncKey,
        text: color('--jp-ui-font-color1', '#333'),
        grid: color('--jp-border-color2', '#e0e0e0'),
        dashes: this.dashes
      },
      {
        yRange: (u, min, max) =>
          yRange(min, max, {
            series: this.series,
            shown: this.shown,
            hidden: this.hidden_,
            ignoreOutliers: this.ignoreOutliers,
            log: this.log,
            xRange: zoomedRange(u)
          }),
        draw: u => this.drawMarkers(u),
        setCursor: u => {
          const idx = u.cursor.idx ?? null;
          if (idx !== this.hoverIdx) this.hoverIdx = idx;
        },
        focusLine: line => this.focusLine(line),
        // A drag-to-zoom here zooms every chart of the panel: tell the panel the range.
        setScale: (u, key) => {
          if (key !== 'x' || this.applyingRange || !this.plot) return;
          const { min, max } = u.scales.x;
          if (min === undefined || max === undefined || min === null || max === null) return;
          const xs = u.data[0];
          const all = xs.length > 0 && min <= xs[0] && max >= xs[xs.length - 1];
          this.zoomed = !all;
          // Every live update fits x to all steps again: nothing new to tell the panel then.
          if (all && this.xRange === null) return;
          this.dispatchEvent(new CustomEvent(X_RANGE_EVENT, { detail: all ? null : { min, max }, bubbles: true }));
        }
      }
    );
  }

  private toggle(key: string, show: boolean): void {
    this.series.forEach((m, index) => {
      if (toggleKey(m) !== key) return;
      const indexes = seriesIndexes(index, this.yShaping);
      // A raw line of a band edge or a member stays hidden (it is never drawn).
      for (const s of listed(m) ? indexes : indexes.slice(-1)) this.plot?.setSeries(s, { show });
    });
    const hidden = new Set(this.hidden_);
    if (show) hidden.delete(key);
    else hidden.add(key);
    this.hidden_ = hidden;
  }

  resetZoom(): void {
    this.zoomed = false;
    this.dispatchEvent(new CustomEvent(X_RANGE_EVENT, { detail: null, bubbles: true }));
    if (!this.plot) return;
    const xs = this.plot.data[0];
    if (xs.length) this.plot.setScale('x', { min: xs[0], max: xs[xs.length - 1] });
  }

  exportCsv(): void {
    downloadChartCsv(this.chart, this.smoothing, this.startedAt, this.runs);
  }

  exportPng(): void {
    const source = this.plot?.ctx.canvas;
    if (source)
      downloadChartPng(source, getComputedStyle(this).getPropertyValue('--jp-layout-color0').trim() || '#fff', this.chart.title);
  }
}

if (!customElements.get('mp-metric-chart')) customElements.define('mp-metric-chart', MetricChart);

/** A legend entry's sample of its line: a square of its colour, or a short line in its dash pattern. */
function swatch(color: string, dash: number[] | undefined): unknown {
  if (!dash) return html`<span class="mp-swatch" style="background:${color}"></span>`;
  return html`<svg class="mp-swatch-line" width="18" height="6" aria-hidden="true"
    ><line x1="0" y1="3" x2="18" y2="3" stroke=${color} stroke-width="2" stroke-dasharray=${dash.join(' ')}></line></svg>`;
}

/** A box the browser has not laid out (no width). jsdom lays out nothing and has no ResizeObserver: there, charts draw at a default width. */
function notLaidOut(box: HTMLElement): boolean {
  return typeof ResizeObserver !== 'undefined' && box.clientWidth === 0;
}
