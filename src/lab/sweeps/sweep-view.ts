/**
 * <mp-sweep-view>: hyperparameters against results, under the runs table. Parallel coordinates
 * with an axis per config key that differs between runs and one per chosen metric summary
 * (sweep-axes.ts, runs/run-summaries.ts); a drag along an axis brushes a range (the keyboard on a
 * focused axis too: brushes.ts), and the runs outside every brush are hidden everywhere; a
 * scatter of one key against the first summary; and how much each key matters to it
 * (importance.ts). It shares the panel's selection: the runs hidden (drawn faint here) and the
 * run highlighted, which it tells as the pointer comes to a run's line or point.
 */
import { LitElement, html, nothing, svg, type PropertyValues } from 'lit';
import { runLabel, type MetricSeries, type RunInfo } from '../../protocol';
import { formatNumber } from '../../protocol/format';
import { differingConfigKeys } from '../runs/configs';
import { highlightEvent } from '../runs/run-highlight';
import { RUNS_VISIBILITY_EVENT, bestOf, bestSelect } from '../runs/runs-table';
import { brushBetween, brushExtent, keyedBrush, runsBrushedOut, withBrush, type Brush, type Brushes } from './brushes';
import { importanceOf, MIN_RUNS, type KeyImportance } from './importance';
import { summariesByRun, summaryLabel, type MetricSummary, type SummaryKind } from '../runs/run-summaries';
import { axisOf, positionOf, ticksOf, type AxisValue, type SweepAxis } from './sweep-axes';

/** The parallel coordinates' geometry, in CSS pixels. */
const AXIS_GAP = 130;
const SIDE = 60;
const TOP = 40;
const PLOT_HEIGHT = 200;
/** Where runs without a value of an axis go: a row under the axes, "n/a". */
const MISSING_ROW = 18;
const HEIGHT = TOP + PLOT_HEIGHT + MISSING_ROW + 14;
/** The scatter's geometry. */
const SCATTER = { width: 300, height: HEIGHT - 24, left: 56, right: 12, top: 12, bottom: 36 };
/** A pointer moving less than this along an axis clicked it (clears its brush) rather than dragged. */
const CLICK_PX = 3;

/** The config axes and the metric axes of a sweep, as the view draws them. */
export function sweepAxes(
  runs: readonly RunInfo[],
  metrics: readonly MetricSeries[],
  summaries: readonly MetricSummary[]
): SweepAxis[] {
  const config = differingConfigKeys(runs).map(key => {
    const values = new Map<string, AxisValue>();
    for (const r of runs) if (r.config[key] !== undefined) values.set(r.name, r.config[key]);
    return axisOf(`config:${key}`, key, values);
  });
  const names = new Set(runs.map(r => r.name));
  const summaryAxes = summaries.map(s => {
    const values = new Map([...summariesByRun(metrics, s)].filter(([run]) => names.has(run)));
    return axisOf(`metric:${summaryLabel(s)}`, summaryLabel(s), values);
  });
  return [...config, ...summaryAxes];
}

/** "lr, log scale from 1e-4 to 1e-2" / "optimizer: adam, sgd" and its brush, for a screen reader. */
function describeAxis(axis: SweepAxis, brush: Brush | undefined): string {
  const range =
    axis.scale === 'category'
      ? `${axis.categories.length} values: ${axis.categories.join(', ')}`
      : `${axis.scale === 'log' ? 'log scale ' : ''}from ${formatNumber(axis.min)} to ${formatNumber(axis.max)}`;
  const brushed = !brush
    ? 'not brushed'
    : 'categories' in brush
      ? `brushed to ${brush.categories.join(', ')}`
      : `brushed from ${formatNumber(brush.lo)} to ${formatNumber(brush.hi)}`;
  return `${axis.label}, ${range}; ${brushed}. Arrow keys brush and move the brush, Shift with arrows resizes it, Escape clears it.`;
}

export class SweepView extends LitElement {
  static properties = {
    runs: { attribute: false },
    metrics: { attribute: false },
    colors: { attribute: false },
    hiddenRuns: { attribute: false },
    highlight: { attribute: false },
    chosen: { state: true },
    kind: { state: true },
    best: { state: true },
    lastN: { state: true },
    brushes: { state: true },
    draft: { state: true },
    scatterKey: { state: true },
    collapsed: { state: true }
  };

  runs: RunInfo[] = [];
  metrics: MetricSeries[] = [];
  colors: Map<string, string> = new Map();
  /** The panel's hidden runs: drawn faint. */
  hiddenRuns: Set<string> = new Set();
  /** The run highlighted in every view, or null. */
  highlight: string | null = null;
  /** The metrics with an axis (null: the first metric). */
  chosen: string[] | null = null;
  kind: SummaryKind = 'last';
  /** Best is the lowest or the highest value; null: as each metric's name suggests (bestOf). */
  best: 'min' | 'max' | null = null;
  lastN = 10;
  brushes: Brushes = new Map();
  /** The brush being dragged: its axis and its ends as positions. */
  draft: { axis: string; from: number; to: number } | null = null;
  /** The scatter's x: a config key (null: the one that matters most). */
  scatterKey: string | null = null;
  /** Folded to its title (as it starts: the charts come first); a click opens it. */
  collapsed = true;
  /** The runs the brushes hid, as last told to the panel (null: no brush). */
  private brushedOut: Set<string> | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  /** The metrics' names, in the order they began. */
  private metricNames(): string[] {
    return [...new Set(this.metrics.map(m => m.name))];
  }

  private summaries(names: readonly string[]): MetricSummary[] {
    const chosen = (this.chosen ?? names.slice(0, 1)).filter(n => names.includes(n));
    return chosen.map(metric => ({ metric, kind: this.kind, best: this.best ?? bestOf(metric), lastN: this.lastN }));
  }

  /** New brushes: the runs outside them are hidden everywhere (none brushed: every run shown). */
  private setBrushes(axes: readonly SweepAxis[], brushes: Brushes): void {
    this.brushes = brushes;
    this.tellHidden(brushes.size ? runsBrushedOut(this.runNames(), axes, brushes) : new Set());
  }

  private runNames(): string[] {
    return this.runs.map(r => r.name);
  }

  private tellHidden(hidden: Set<string>): void {
    this.brushedOut = this.brushes.size ? hidden : null;
    this.dispatchEvent(new CustomEvent(RUNS_VISIBILITY_EVENT, { detail: hidden, bubbles: true, composed: true }));
  }

  /**
   * Runs shown or hidden elsewhere since (the table's toggles, "only", "Show all runs"): the
   * brushes no longer say what is shown, and go.
   */
  protected willUpdate(changed: PropertyValues): void {
    if (changed.has('hiddenRuns') && this.brushedOut && this.hiddenRuns !== this.brushedOut) {
      this.brushes = new Map();
      this.brushedOut = null;
    }
  }

  /** While brushed, a run that comes, or whose summary moves into or out of a brush, is shown or hidden as the brushes say. */
  protected updated(changed: PropertyValues): void {
    if (!this.brushedOut || !['runs', 'metrics', 'chosen', 'kind', 'best', 'lastN'].some(k => changed.has(k))) return;
    const names = this.metricNames();
    const out = runsBrushedOut(this.runNames(), sweepAxes(this.runs, this.metrics, this.summaries(names)), this.brushes);
    if (out.size !== this.brushedOut.size || [...out].some(r => !this.brushedOut!.has(r))) this.tellHidden(out);
  }

  /** Hidden runs are drawn first (under), the highlighted run last (on top). */
  private layer(run: string): number {
    return run === this.highlight ? 2 : this.hiddenRuns.has(run) ? 0 : 1;
  }

  private hover(run: string | null): void {
    this.dispatchEvent(highlightEvent(run));
  }

  protected render(): unknown {
    const names = this.metricNames();
    const keys = differingConfigKeys(this.runs);
    if (!keys.length) return nothing;
    const header = html`<div class="mp-sweep-header">
      <button class="mp-chart-title" aria-expanded=${this.collapsed ? 'false' : 'true'} @click=${() => (this.collapsed = !this.collapsed)}
        title=${this.collapsed ? 'Show the runs by their hyperparameters' : 'Fold this view'}>
        <span class="mp-fold" aria-hidden="true">${this.collapsed ? '▸' : '▾'}</span> Hyperparameters against results</button>
      <span class="mp-hint">${keys.length === 1 ? '1 key' : `${keys.length} keys`} over ${this.runs.length} runs</span>
      ${
        this.brushes.size
          ? html`<button class="mp-button" data-action="clear-brushes" @click=${() => this.setBrushes([], new Map())}
              title="Remove every brush: all runs shown again">Clear ${this.brushes.size === 1 ? 'brush' : `${this.brushes.size} brushes`}</button>`
          : nothing
      }
    </div>`;
    // Folded, nothing of it is computed: a sweep's charts come first.
    if (this.collapsed) return html`<section class="mp-sweep" aria-label="Hyperparameters against results">${header}</section>`;
    const summaries = this.summaries(names);
    const axes = sweepAxes(this.runs, this.metrics, summaries);
    const configAxes = axes.filter(a => a.id.startsWith('config:'));
    const first = summaries[0];
    const firstAxis = first ? axes.find(a => a.id === `metric:${summaryLabel(first)}`) : undefined;
    const importance = firstAxis
      ? importanceOf(
          configAxes.map(a => ({ key: a.label, values: a.values })),
          new Map([...firstAxis.values].map(([run, v]) => [run, v as number]))
        )
      : [];
    return html`<section class="mp-sweep" aria-label="Hyperparameters against results">
      ${header}
      ${this.controls(
        names,
        summaries.map(s => s.metric),
        first
      )}
      <div class="mp-sweep-body">
        <div class="mp-parcoords-scroll">${this.parallelCoordinates(axes)}</div>
        ${firstAxis ? this.scatter(configAxes, firstAxis, importance) : nothing}
        ${first ? this.importanceTable(importance, first) : nothing}
      </div>
    </section>`;
  }

  private controls(names: readonly string[], chosen: readonly string[], first: MetricSummary | undefined): unknown {
    const toggle = (name: string, on: boolean): void => {
      const next = on ? [...chosen, name] : chosen.filter(n => n !== name);
      this.chosen = names.filter(n => next.includes(n));
    };
    return html`<div class="mp-controls mp-sweep-controls">
      <fieldset class="mp-sweep-metrics"><legend>Metric axes</legend>
        ${names.map(
          n =>
            html`<label><input type="checkbox" .checked=${chosen.includes(n)} @change=${(e: Event) => toggle(n, (e.target as HTMLInputElement).checked)} /> ${n}</label>`
        )}
      </fieldset>
      <label>Summary
        <select aria-label="Summary of each metric" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as SummaryKind)}>
          <option value="last" ?selected=${this.kind === 'last'}>last value</option>
          <option value="best" ?selected=${this.kind === 'best'}>best value</option>
          <option value="mean of last" ?selected=${this.kind === 'mean of last'}>mean of the last points</option>
        </select></label>
      ${
        this.kind === 'mean of last'
          ? html`<label>Points <input type="number" min="1" max="100000" .value=${String(this.lastN)} aria-label="How many of the last points"
              @change=${(e: Event) => (this.lastN = Math.max(1, Math.round(Number((e.target as HTMLInputElement).value)) || 1))} /></label>`
          : nothing
      }
      ${this.kind === 'best' && first ? bestSelect(first.best, b => (this.best = b)) : nothing}
    </div>`;
  }

  private parallelCoordinates(axes: readonly SweepAxis[]): unknown {
    const width = SIDE * 2 + AXIS_GAP * (axes.length - 1);
    const bottom = TOP + PLOT_HEIGHT;
    const xOf = (i: number): number => SIDE + i * AXIS_GAP;
    const yOf = (p: number | null): number => (p === null ? bottom + MISSING_ROW : bottom - p * PLOT_HEIGHT);
    const anyMissing = axes.some(a => this.runs.some(r => !a.values.has(r.name)));
    const pathOf = (run: string): string =>
      axes.map((a, i) => `${i ? 'L' : 'M'}${xOf(i)},${yOf(positionOf(a, a.values.get(run))).toFixed(1)}`).join('');
    // Hidden runs first (faint, under), then the shown, the highlighted last (on top).
    const order = [...this.runs].sort((a, b) => this.layer(a.name) - this.layer(b.name));
    return html`<svg class="mp-parcoords" width=${width} height=${HEIGHT} viewBox="0 0 ${width} ${HEIGHT}" role="img"
      aria-label="Parallel coordinates of ${this.runs.length} runs over ${axes.map(a => a.label).join(', ')}"
      @pointerleave=${() => this.hover(null)}>
      ${anyMissing ? svg`<text class="mp-axis-tick" x=${4} y=${bottom + MISSING_ROW + 4}>n/a</text>` : nothing}
      <g class="mp-sweep-lines">
        ${order.map(r => {
          const hidden = this.hiddenRuns.has(r.name);
          const cls = `mp-sweep-line${hidden ? ' mp-sweep-line-hidden' : ''}${r.name === this.highlight ? ' mp-sweep-line-highlight' : ''}`;
          const d = pathOf(r.name);
          return svg`<g data-run=${r.name} @pointerenter=${() => this.hover(r.name)}>
            <path class=${cls} d=${d} stroke=${hidden ? 'currentColor' : (this.colors.get(r.name) ?? 'currentColor')}></path>
            <path class="mp-sweep-hit" d=${d}><title>${runLabel(r.name)}</title></path>
          </g>`;
        })}
      </g>
      ${axes.map((a, i) => this.axis(axes, a, xOf(i), bottom, i === axes.length - 1))}
    </svg>`;
  }

  /**
   * One axis: its line, ticks and name, its brush, and the strip a drag or the keyboard brushes on.
   * The last axis has its ticks on its right, away from the lines.
   */
  private axis(axes: readonly SweepAxis[], a: SweepAxis, x: number, bottom: number, last: boolean): unknown {
    const brush = this.brushes.get(a.id);
    const extent = this.draft?.axis === a.id ? this.draft : brush ? brushExtent(a, brush) : null;
    const positionAt = (e: PointerEvent): number => {
      const box = (e.currentTarget as SVGElement).ownerSVGElement!.getBoundingClientRect();
      return Math.max(0, Math.min(1, (bottom - (e.clientY - box.top)) / PLOT_HEIGHT));
    };
    let startY = 0;
    const down = (e: PointerEvent): void => {
      (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
      startY = e.clientY;
      const p = positionAt(e);
      this.draft = { axis: a.id, from: p, to: p };
    };
    const move = (e: PointerEvent): void => {
      if (this.draft?.axis !== a.id) return;
      this.draft = { ...this.draft, to: positionAt(e) };
    };
    const up = (e: PointerEvent): void => {
      const draft = this.draft;
      if (draft?.axis !== a.id) return;
      this.draft = null;
      const clicked = Math.abs(e.clientY - startY) < CLICK_PX;
      this.setBrushes(axes, withBrush(this.brushes, a.id, clicked ? null : brushBetween(a, draft.from, positionAt(e))));
    };
    const key = (e: KeyboardEvent): void => {
      const next = keyedBrush(a, brush, e.key, e.shiftKey);
      if (next === undefined) return;
      // Handled here: JupyterLab's notebook would take the arrows and Escape first.
      e.preventDefault();
      e.stopPropagation();
      this.setBrushes(axes, withBrush(this.brushes, a.id, next));
    };
    const name = a.label.length > 18 ? `${a.label.slice(0, 17)}…` : a.label;
    const label = a.scale === 'log' ? `${name} (log)` : name;
    return svg`<g class="mp-axis" data-axis=${a.id} tabindex="0" role="group" aria-label=${describeAxis(a, brush)} @keydown=${key}>
      <rect class="mp-axis-focus" x=${x - 16} y=${TOP - 4} width="32" height=${PLOT_HEIGHT + 8} rx="4"></rect>
      <line class="mp-axis-line" x1=${x} x2=${x} y1=${TOP} y2=${bottom}></line>
      ${ticksOf(a).map(
        t => svg`<line class="mp-axis-line" x1=${last ? x + 4 : x - 4} x2=${x} y1=${bottom - t.position * PLOT_HEIGHT} y2=${bottom - t.position * PLOT_HEIGHT}></line>
          <text class="mp-axis-tick" x=${last ? x + 7 : x - 7} y=${bottom - t.position * PLOT_HEIGHT + 4} text-anchor=${last ? 'start' : 'end'}>${t.label}</text>`
      )}
      <text class="mp-axis-name" x=${x} y=${TOP - 14} text-anchor="middle">${label}<title>${a.label}${a.scale === 'log' ? ' (log scale)' : ''}</title></text>
      ${
        extent
          ? svg`<rect class="mp-brush" x=${x - 9} width="18" y=${bottom - Math.max(extent.from, extent.to) * PLOT_HEIGHT}
              height=${Math.max(2, Math.abs(extent.to - extent.from) * PLOT_HEIGHT)}></rect>`
          : nothing
      }
      <rect class="mp-axis-strip" x=${x - 14} y=${TOP - 2} width="28" height=${PLOT_HEIGHT + 4}
        @pointerdown=${down} @pointermove=${move} @pointerup=${up}><title>Drag along ${a.label} to show only the runs in that range; click to clear</title></rect>
    </g>`;
  }

  /** A config key (chosen, or the one that matters most) against the first metric summary. */
  private scatter(configAxes: readonly SweepAxis[], y: SweepAxis, importance: readonly KeyImportance[]): unknown {
    const key = configAxes.find(a => a.label === this.scatterKey)?.label ?? importance[0]?.key ?? configAxes[0].label;
    const x = configAxes.find(a => a.label === key)!;
    const { width, height, left, right, top, bottom } = SCATTER;
    const px = (p: number): number => left + p * (width - left - right);
    const py = (p: number): number => height - bottom - p * (height - top - bottom);
    const points = this.runs.flatMap(r => {
      const xp = positionOf(x, x.values.get(r.name));
      const yp = positionOf(y, y.values.get(r.name));
      return xp === null || yp === null ? [] : [{ run: r.name, cx: px(xp), cy: py(yp) }];
    });
    points.sort((a, b) => this.layer(a.run) - this.layer(b.run));
    return html`<figure class="mp-scatter">
      <figcaption><label>Scatter of
        <select aria-label="Config key of the scatter's x axis" @change=${(e: Event) => (this.scatterKey = (e.target as HTMLSelectElement).value)}>
          ${configAxes.map(a => html`<option value=${a.label} ?selected=${a.label === key}>${a.label}</option>`)}
        </select></label> against ${y.label}</figcaption>
      <svg width=${width} height=${height} viewBox="0 0 ${width} ${height}" role="img"
        aria-label="Scatter of ${y.label} against ${key}: ${points.length} runs" @pointerleave=${() => this.hover(null)}>
        <line class="mp-axis-line" x1=${left} x2=${width - right} y1=${height - bottom} y2=${height - bottom}></line>
        <line class="mp-axis-line" x1=${left} x2=${left} y1=${top} y2=${height - bottom}></line>
        ${ticksOf(x, 5).map(t => svg`<text class="mp-axis-tick" x=${px(t.position)} y=${height - bottom + 14} text-anchor="middle">${t.label}</text>`)}
        ${ticksOf(y, 5).map(t => svg`<text class="mp-axis-tick" x=${left - 6} y=${py(t.position) + 4} text-anchor="end">${t.label}</text>`)}
        <text class="mp-axis-name" x=${(left + width - right) / 2} y=${height - 6} text-anchor="middle">${key}${x.scale === 'log' ? ' (log)' : ''}</text>
        ${points.map(p => {
          const hidden = this.hiddenRuns.has(p.run);
          const cls = `mp-scatter-point${hidden ? ' mp-sweep-line-hidden' : ''}${p.run === this.highlight ? ' mp-sweep-line-highlight' : ''}`;
          return svg`<circle class=${cls} data-run=${p.run} cx=${p.cx} cy=${p.cy} r=${p.run === this.highlight ? 7 : 4.5}
            fill=${hidden ? 'none' : (this.colors.get(p.run) ?? 'currentColor')} stroke=${this.colors.get(p.run) ?? 'currentColor'}
            @pointerenter=${() => this.hover(p.run)}><title>${runLabel(p.run)}</title></circle>`;
        })}
      </svg>
    </figure>`;
  }

  private importanceTable(importance: readonly KeyImportance[], first: MetricSummary): unknown {
    return html`<table class="mp-importance">
      <caption>How much each key matters to ${summaryLabel(first)}</caption>
      <thead><tr><th>Key</th><th>Measure</th><th><span class="mp-visually-hidden">Strength</span></th><th>Runs</th></tr></thead>
      <tbody>
        ${importance.map(
          k => html`<tr data-key=${k.key}>
            <td>${k.key}</td>
            <td>${k.value === null ? '—' : `${k.measure === 'spearman' ? 'ρ' : 'η'} = ${k.value.toFixed(2)}`}</td>
            <td><span class="mp-importance-bar" style="width:${Math.round(Math.abs(k.value ?? 0) * 60)}px"></span></td>
            <td>${k.runs}</td>
          </tr>`
        )}
      </tbody>
      <tfoot><tr><td colspan="4" class="mp-hint">
        ρ: Spearman's rank correlation of a number key with the summary (−1 to 1; the sign says which way). η: how much of the
        summary's rank spread a text key's values explain (0 to 1). One key at a time: keys that matter only together, or best in the
        middle of their range, read low. Fewer than ${MIN_RUNS} runs: —.
      </td></tr></tfoot>
    </table>`;
  }
}

if (!customElements.get('mp-sweep-view')) customElements.define('mp-sweep-view', SweepView);
