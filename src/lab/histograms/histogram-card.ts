/**
 * <mp-histogram-card>: one histogram name of a plotter (weights, gradients, actions over training),
 * as TensorBoard's Distributions and Histograms dashboards together: the distribution over steps
 * (bands of its percentiles around the median, uPlot) of one run, picked when several have it; and
 * the histogram at the chosen step with every run overlaid, each bucket's share of that run's
 * values. The step is the panel's (a chart click, a card's slider with "Move together") or the
 * card's own slider; a click on the distribution selects that step everywhere. CSV of the
 * summaries. What it draws is shaped by distributions.ts.
 */
import { LitElement, html, nothing, svg, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import { percentilesOf, runLabel, runOf, type HistogramSeries } from '../../protocol';
import { seriesColor } from '../../protocol/charts';
import { formatCount, formatNumber, formatTicks, niceTicks } from '../../protocol/format';
import { SELECT_STEP_EVENT } from '../charts/metric-chart';
import { drawStepLine, onThemeChange, themedAxis } from '../charts/plot-options';
import { downloadBlob, fileStem } from '../download';
import { MEDIA_STEP_EVENT, type StepSelection } from '../media/media-card';
import { sliderKeyTarget } from '../slider-keys';
import { barsAt, distributionColumns, histogramsCsv, stepIndexAtOrBefore, type Bars } from './distributions';

const WIDTH = 420;
const DISTRIBUTION_HEIGHT = 180;
const BARS = { height: 150, left: 48, right: 10, top: 8, bottom: 24 };
/** The bands' opacity, outermost (min–max) to innermost (±0.5 standard deviations), as a hex alpha. */
const BAND_ALPHA = ['1f', '33', '47', '5c'];

export class HistogramCard extends LitElement {
  static properties = {
    name: { attribute: false },
    series: { attribute: false },
    colors: { attribute: false },
    selection: { attribute: false },
    run: { state: true },
    chosenStep: { state: true }
  };

  name = '';
  /** The name's series, one per visible run. */
  series: HistogramSeries[] = [];
  /** Each run's colour as the charts draw it. */
  colors: Map<string, string> = new Map();
  /** The step chosen in the panel. */
  selection: StepSelection | null = null;
  /** The run whose distribution is drawn (null: the first). */
  run: string | null = null;
  /**
   * The step chosen (the histogram shown is each run's at or before it); null: the latest, moving
   * with new steps. A step, not an index: the kernel's detail brings more steps than the payload.
   */
  chosenStep: number | null = null;
  private plot: uPlot | null = null;
  private plotKey = '';
  private themeObserver: MutationObserver | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  private get shown(): HistogramSeries | undefined {
    return this.series.find(h => runOf(h) === this.run) ?? this.series[0];
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has('selection') && this.selection) this.chosenStep = this.selection.step;
  }

  /** Where the chosen step is among the drawn run's steps. */
  private get index(): number {
    return stepIndexAtOrBefore(this.shown?.steps ?? [], this.chosenStep);
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.themeObserver = onThemeChange(() => {
      this.plot?.destroy();
      this.plot = null;
      this.plotKey = '';
      this.drawDistribution();
    });
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.themeObserver?.disconnect();
    this.themeObserver = null;
    this.plot?.destroy();
    this.plot = null;
    this.plotKey = '';
  }

  private colorOf(h: HistogramSeries): string {
    return this.colors.get(runOf(h)) ?? seriesColor(0);
  }

  /** The card's slider moved: its step, and with "Move together" every card's. */
  private slide(index: number): void {
    const h = this.shown!;
    this.chosenStep = index === h.steps.length - 1 ? null : h.steps[index];
    this.dispatchEvent(new CustomEvent(MEDIA_STEP_EVENT, { detail: { step: h.steps[index] }, bubbles: true }));
  }

  /** ←/→ (and Home/End) step between the histogram's steps (slider-keys.ts). */
  private onKey(ev: KeyboardEvent, last: number): void {
    const to = sliderKeyTarget(ev.key, this.index, last);
    if (to === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.slide(to);
  }

  protected render(): unknown {
    const h = this.shown;
    if (!h) return nothing;
    const index = this.index;
    const step = h.steps[index];
    const bars = this.series.flatMap(s => {
      const i = stepIndexAtOrBefore(s.steps, step);
      return i < 0 || s.steps[i] > step ? [] : [{ series: s, bars: barsAt(s, i) }];
    });
    return html`<section class="mp-histogram-card" aria-label="Histogram ${this.name}">
      <div class="mp-chart-header">
        <span class="mp-chart-name">${this.name}</span>
        ${
          this.series.length > 1
            ? html`<label>Run
                <select aria-label="Run whose distribution is drawn" @change=${(e: Event) => (this.run = (e.target as HTMLSelectElement).value)}>
                  ${this.series.map(s => html`<option value=${runOf(s)} ?selected=${s === h}>${runLabel(runOf(s))}</option>`)}
                </select></label>`
            : nothing
        }
        <span class="mp-chart-actions">
          <button class="mp-button" data-action="csv" title="Download the percentiles of every step of this histogram as CSV"
            @click=${() => this.exportCsv()}>CSV</button>
        </span>
      </div>
      <div class="mp-distribution" role="img" aria-label=${this.describe(h)}></div>
      ${h.totalSteps > h.steps.length ? html`<div class="mp-chart-note">${formatCount(h.steps.length)} of ${formatCount(h.totalSteps)} steps shown.</div>` : nothing}
      <div class="mp-histogram-step">
        <label>Step
          <input type="range" min="0" max=${h.steps.length - 1} .value=${String(index)} aria-label="Step of the histogram ${this.name}"
            aria-valuetext="step ${formatCount(step)}" @input=${(e: Event) => this.slide(Number((e.target as HTMLInputElement).value))}
            @keydown=${(e: KeyboardEvent) => this.onKey(e, h.steps.length - 1)} />
          <output>${formatCount(step)}</output></label>
        <button class="mp-button" ?disabled=${this.chosenStep === null} @click=${() => this.slide(h.steps.length - 1)}>Latest</button>
      </div>
      ${this.barsSvg(bars, step)}
    </section>`;
  }

  /** The distribution in words: its steps, and at the last its median, middle 68% and range. */
  private describe(h: HistogramSeries): string {
    // The last step's percentiles alone: the distribution's columns are made once, when it is drawn.
    const last = h.steps.length - 1;
    const p = percentilesOf(h.mins[last], h.maxes[last], h.counts[last]);
    const at = (k: number): string => formatNumber(p[k]);
    return (
      `Distribution of ${this.name} of ${runLabel(runOf(h))} over steps ${formatCount(h.steps[0])} to ${formatCount(h.steps[last])}: ` +
      `at the last step the median is ${at(4)}, the middle 68% from ${at(2)} to ${at(6)}, all values from ${at(0)} to ${at(8)}.`
    );
  }

  /** The histograms at the step, runs overlaid: each an outline of its buckets' shares. */
  private barsSvg(shown: Array<{ series: HistogramSeries; bars: Bars }>, step: number): unknown {
    const { height, left, right, top, bottom } = BARS;
    const lo = Math.min(...shown.map(s => s.bars.edges[0]));
    const hi = Math.max(...shown.map(s => s.bars.edges[s.bars.edges.length - 1]));
    const top_ = Math.max(1e-9, ...shown.flatMap(s => s.bars.shares));
    const span = hi - lo || 1;
    const x = (v: number): number => left + ((v - (hi === lo ? lo - 0.5 : lo)) / span) * (WIDTH - left - right);
    const y = (v: number): number => height - bottom - (v / top_) * (height - top - bottom);
    const path = (b: Bars): string =>
      b.shares
        .map((s, k) => `${k ? 'L' : 'M'}${x(b.edges[k]).toFixed(1)},${y(s).toFixed(1)}H${x(b.edges[k + 1]).toFixed(1)}`)
        .join('') + `V${y(0)}H${x(b.edges[0]).toFixed(1)}Z`;
    const ticks = hi > lo ? niceTicks(lo, hi, 4) : [lo];
    const labels = formatTicks(ticks);
    const nonFinite = shown.filter(s => s.bars.nonFinite.some(n => n > 0));
    return html`<svg class="mp-histogram-bars" width=${WIDTH} height=${height} viewBox="0 0 ${WIDTH} ${height}" role="img"
        aria-label="Histogram of ${this.name} at step ${formatCount(step)}: ${shown.map(s => `${runLabel(runOf(s.series))}, ${formatCount(s.bars.values)} values`).join('; ')}">
        <line class="mp-axis-line" x1=${left} x2=${WIDTH - right} y1=${height - bottom} y2=${height - bottom}></line>
        ${ticks.map((t, i) => svg`<text class="mp-axis-tick" x=${x(t)} y=${height - bottom + 14} text-anchor="middle">${labels[i]}</text>`)}
        <text class="mp-axis-tick" x=${left - 6} y=${top + 8} text-anchor="end">${(top_ * 100).toPrecision(2)}%</text>
        <text class="mp-axis-tick" x=${left - 6} y=${height - bottom} text-anchor="end">0</text>
        ${shown.map(
          s => svg`<path class="mp-histogram-outline" data-run=${runOf(s.series)} d=${path(s.bars)} stroke=${this.colorOf(s.series)}
            fill=${this.colorOf(s.series)}></path>`
        )}
      </svg>
      ${
        nonFinite.length
          ? html`<div class="mp-chart-note">${nonFinite.map(
              s =>
                html`<span>${runLabel(runOf(s.series))}: ${s.bars.nonFinite
                  .map((n, k) => (n ? `${formatCount(n)} ${['NaN', '+Infinity', '−Infinity'][k]}` : ''))
                  .filter(Boolean)
                  .join(', ')} (not drawn). </span>`
            )}</div>`
          : nothing
      }`;
  }

  protected updated(): void {
    this.drawDistribution();
  }

  /** The distribution: bands between the percentiles (outermost min–max), the median on top, the step shown marked. */
  private drawDistribution(): void {
    const h = this.shown;
    const container = this.querySelector<HTMLElement>('.mp-distribution');
    if (!h || !container) return;
    const color = this.colorOf(h);
    const data = distributionColumns(h) as uPlot.AlignedData;
    const key = JSON.stringify([runOf(h), color]);
    if (this.plot && key === this.plotKey) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.plotKey = key;
    const css = getComputedStyle(this);
    const text = css.getPropertyValue('--jp-ui-font-color1').trim() || '#333';
    const grid = css.getPropertyValue('--jp-border-color2').trim() || '#e0e0e0';
    const axis = (label: string): uPlot.Axis => ({ ...themedAxis(label, text, grid), values: (_u, ticks) => formatTicks(ticks) });
    const percentile = (k: number): uPlot.Series => ({
      label: `p${k}`,
      stroke: k === 4 ? color : 'transparent',
      width: k === 4 ? 1.5 : 0,
      spanGaps: false,
      points: { show: false }
    });
    this.plot = new uPlot(
      {
        width: WIDTH,
        height: DISTRIBUTION_HEIGHT,
        scales: { x: { time: false } },
        axes: [axis('step'), { ...axis(''), size: 56 }],
        series: [{ label: 'step' }, ...Array.from({ length: 9 }, (_, k) => percentile(k))],
        bands: BAND_ALPHA.map((alpha, k) => ({ series: [9 - k, k + 1] as [number, number], fill: `${color}${alpha}` })),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        hooks: { draw: [u => this.markStep(u)] }
      },
      data,
      container
    );
    let downX = 0;
    this.plot.over.addEventListener('mousedown', e => (downX = e.clientX));
    this.plot.over.addEventListener('click', e => {
      const u = this.plot;
      const idx = u?.cursor.idx;
      if (!u || idx === null || idx === undefined || Math.abs(e.clientX - downX) > 3) return;
      this.dispatchEvent(new CustomEvent(SELECT_STEP_EVENT, { detail: { step: u.data[0][idx] }, bubbles: true }));
    });
  }

  /** The step the histogram shows: a line across the distribution. */
  private markStep(u: uPlot): void {
    const step = this.shown?.steps[this.index];
    if (step === undefined) return;
    drawStepLine(
      u,
      u.valToPos(step, 'x', true),
      getComputedStyle(this).getPropertyValue('--jp-brand-color1').trim() || '#1976d2'
    );
  }

  private exportCsv(): void {
    downloadBlob(new Blob([histogramsCsv(this.series)], { type: 'text/csv' }), `${fileStem(this.name)}-distribution.csv`);
  }
}

if (!customElements.get('mp-histogram-card')) customElements.define('mp-histogram-card', HistogramCard);
