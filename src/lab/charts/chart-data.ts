/**
 * What one chart draws, shaped from its aligned columns as pure functions (the element,
 * metric-chart.ts, holds only the element): the shown data (smoothed, on a log axis without values
 * ≤ 0), uPlot's data with the raw lines behind, the y range, the bands of run groups, and what
 * drawing it costs.
 */
import uPlot from 'uplot';
import { seriesKey } from '../../protocol';
import { SERIES_COLORS, seriesColor } from '../../protocol/charts';
import type { ChartSeries } from './chart-series';
import { lineCost } from './draw-queue';
import { debiasedEma, forLogScale } from './smoothing';

/** More plain lines than this in one chart are drawn 1 px wide instead of 1.5. */
const MANY_LINES = 4;

/** How the chart's y is shaped: the panel's smoothing, and the log scale in effect. */
export interface YShaping {
  smoothing: number;
  log: boolean;
}

/** A series' legend label: its run's, with runs; its name otherwise. */
export const labelOf = (m: ChartSeries): string => m.label ?? m.name;
/** What a legend toggle shows and hides: a run group's mean, band and runs together, or one series. */
export const toggleKey = (m: ChartSeries): string => m.runGroup ?? seriesKey(m);

/**
 * Dash patterns (in CSS pixels) that tell lines apart without colour, by the colour's place in the
 * palette, so that a run has one pattern in every chart; the first is solid. A baseline is always
 * dashed (BASELINE_DASH), whatever the choice.
 */
export const DASH_PATTERNS: number[][] = [[], [10, 4], [2, 3], [10, 3, 2, 3], [5, 5]];
export const BASELINE_DASH = [6, 4];

/** A line's dash pattern: a baseline's always, the others' with "Dashes" on; undefined: solid. */
export function dashOf(m: ChartSeries, i: number, dashes: boolean): number[] | undefined {
  if (m.role === 'baseline') return BASELINE_DASH;
  if (!dashes || m.role === 'lower' || m.role === 'upper') return undefined;
  const place = SERIES_COLORS.indexOf(colorOf(m, i));
  const pattern = DASH_PATTERNS[Math.max(0, place) % DASH_PATTERNS.length];
  return pattern.length ? pattern : undefined;
}

/** Whether a series has its own entry in the legend: a run group's band edges and runs are its mean's. */
export const listed = (m: ChartSeries): boolean => !m.role || m.role === 'mean' || m.role === 'baseline';
/** A series' colour: its run's, with runs; its place in the chart otherwise. */
export const colorOf = (m: ChartSeries, i: number): string => m.color ?? seriesColor(i);

/** With smoothing on, each series is drawn twice: its raw line faint behind the smoothed one. */
export const smoothingOn = (y: YShaping): boolean => y.smoothing > 0;

/**
 * What the chart draws, shaped from the aligned columns (`raw`): smoothed, and on a log axis
 * without values ≤ 0 (`dropped` counts those). An aligned column's `undefined` (no point of that
 * series at that x) stays, so shaping never needs to align the series again.
 */
export function shownData(raw: uPlot.AlignedData, y: YShaping): { shown: uPlot.AlignedData; dropped: number } {
  let dropped = 0;
  const columns = raw.slice(1).map(column => {
    const values = column as ReadonlyArray<number | null | undefined>;
    if (!y.log) return y.smoothing > 0 ? debiasedEma(values, y.smoothing) : values;
    // On a log axis, smoothing averages in log space: a loss falling over decades stays a line.
    const log = forLogScale(values);
    dropped += log.dropped;
    if (!(y.smoothing > 0)) return log.values;
    const smoothedLog = debiasedEma(
      log.values.map(v => (typeof v === 'number' ? Math.log10(v) : v)),
      y.smoothing
    );
    return smoothedLog.map(v => (typeof v === 'number' ? Math.pow(10, v) : v));
  });
  return { shown: [raw[0], ...columns] as uPlot.AlignedData, dropped };
}

/** uPlot's series of metric i: [smoothed], or [raw, smoothed] with smoothing on. */
export function seriesIndexes(i: number, y: YShaping): number[] {
  return smoothingOn(y) ? [2 * i + 1, 2 * i + 2] : [i + 1];
}

/** The series (by index in the chart's series) a line of the plot (uPlot's index, from 1) draws. */
export function seriesOfLine(line: number, y: YShaping): number {
  return smoothingOn(y) ? (line - 1) >> 1 : line - 1;
}

/** What uPlot draws: the shown series, each preceded by its raw series when smoothing is on. */
export function plotData(raw: uPlot.AlignedData, shown: uPlot.AlignedData, y: YShaping): uPlot.AlignedData {
  if (!smoothingOn(y)) return shown;
  const out: Array<ArrayLike<number | null>> = [shown[0]];
  for (let i = 1; i < shown.length; i++) {
    const column = raw[i] as Array<number | null | undefined>;
    out.push((y.log ? forLogScale(column).values : column) as ArrayLike<number | null>, shown[i] as ArrayLike<number | null>);
  }
  return out as unknown as uPlot.AlignedData;
}

/**
 * Where each drawn line crosses `x`: the value interpolated between its points on either side (in
 * log space on a log axis, as the line is drawn), none where it has a gap there (null; undefined is
 * a point another series has, which uPlot draws the line through) or no point on a side.
 */
export function crossingsAt(
  x: number,
  chart: { series: readonly ChartSeries[]; shown: uPlot.AlignedData; hidden: ReadonlySet<string>; log: boolean }
): number[] {
  const xs = chart.shown[0] as ArrayLike<number>;
  let k = 0;
  for (let hi = xs.length; k < hi;) {
    const mid = (k + hi) >> 1;
    if (xs[mid] < x) k = mid + 1;
    else hi = mid;
  }
  if (k === 0 || k >= xs.length || xs[k] === x) return [];
  const out: number[] = [];
  chart.series.forEach((m, i) => {
    if (chart.hidden.has(toggleKey(m))) return;
    const ys = chart.shown[i + 1] as ArrayLike<number | null | undefined>;
    let a = k - 1;
    while (a >= 0 && ys[a] === undefined) a--;
    let b = k;
    while (b < xs.length && ys[b] === undefined) b++;
    const ya = ys[a];
    const yb = ys[b];
    if (a < 0 || b >= xs.length || ya == null || yb == null || !Number.isFinite(ya) || !Number.isFinite(yb)) return;
    const t = (x - xs[a]) / (xs[b] - xs[a]);
    if (!chart.log) out.push(ya + t * (yb - ya));
    else if (ya > 0 && yb > 0) out.push(10 ** (Math.log10(ya) + t * (Math.log10(yb) - Math.log10(ya))));
  });
  return out;
}

/**
 * The y range: all values in the x range (uPlot's own padding), and where the lines cross its edges
 * (zoomed into a range that holds a few of a line's points, the line to the next one would run off
 * the chart); or with "ignore outliers" the 5th to 95th percentile of the shown series (run
 * groups' members and hidden series aside) plus a tenth of that span on each side, in log space on
 * a log axis.
 */
export function yRange(
  min: number | null,
  max: number | null,
  chart: {
    series: readonly ChartSeries[];
    shown: uPlot.AlignedData;
    hidden: ReadonlySet<string>;
    ignoreOutliers: boolean;
    log: boolean;
    /** The x range shown, when zoomed. */
    xRange?: { min: number; max: number } | null;
  }
): uPlot.Range.MinMax {
  const { log } = chart;
  if (chart.ignoreOutliers) {
    const values: number[] = [];
    chart.series.forEach((m, i) => {
      if (chart.hidden.has(toggleKey(m)) || m.role === 'member') return;
      for (const v of Array.from(chart.shown[i + 1] as ArrayLike<number | null>)) {
        if (v !== null && Number.isFinite(v) && (!log || v > 0)) values.push(log ? Math.log10(v) : v);
      }
    });
    if (values.length >= 2) {
      values.sort((a, b) => a - b);
      const at = (q: number): number => values[Math.min(values.length - 1, Math.floor(q * (values.length - 1)))];
      const lo = at(0.05);
      const hi = at(0.95);
      const pad = (hi - lo || Math.abs(hi) || 1) * 0.1;
      return log ? [Math.pow(10, lo - pad), Math.pow(10, hi + pad)] : [lo - pad, hi + pad];
    }
  }
  if (chart.xRange) {
    for (const y of [...crossingsAt(chart.xRange.min, chart), ...crossingsAt(chart.xRange.max, chart)]) {
      min = min === null ? y : Math.min(min, y);
      max = max === null ? y : Math.max(max, y);
    }
  }
  if (min === null || max === null) return [min, max];
  return log ? uPlot.rangeLog(min, max, 10, true) : uPlot.rangeNum(min, max, 0.1, true);
}

/**
 * How wide a line that is not part of a run group is drawn. Many are drawn 1 px wide: they read
 * better overlaid, and a 1 px line is the canvas' fast path (20 lines of 2,400 points: a quarter of
 * the time 1.5 px takes; docs/design-decisions.md, "Live updates at scale").
 */
export function plainWidth(series: readonly ChartSeries[]): number {
  return series.filter(m => !m.role).length > MANY_LINES ? 1 : 1.5;
}

/** The filled bands of grouped runs: between each run group's upper and lower edge, in its colour. */
export function bands(series: readonly ChartSeries[], y: YShaping): uPlot.Band[] {
  const drawn = (i: number): number => seriesIndexes(i, y).slice(-1)[0];
  const out: uPlot.Band[] = [];
  series.forEach((m, i) => {
    if (m.role !== 'upper') return;
    const j = series.findIndex(o => o.role === 'lower' && o.runGroup === m.runGroup);
    if (j >= 0) out.push({ series: [drawn(i), drawn(j)], fill: `${colorOf(m, i)}33` });
  });
  return out;
}

/**
 * What drawing the shown data costs (src/lab/charts/draw-queue.ts): its points, by line width, as
 * last shaped (a live update's new points, shaped in the turn, are about as many).
 */
export function drawCost(
  series: readonly ChartSeries[],
  shown: uPlot.AlignedData,
  hidden: ReadonlySet<string>,
  y: YShaping
): number {
  const points = (shown[0] as ArrayLike<number> | undefined)?.length ?? 0;
  const lines = series.filter(m => !hidden.has(toggleKey(m)));
  const width = plainWidth(series);
  const wide = lines.filter(m => m.role === 'mean' || (!m.role && width > 1)).length;
  const thin = lines.filter(m => m.role === 'member' || (!m.role && width === 1)).length;
  // Bands: a filled area between two edges.
  const bandCount = lines.filter(m => m.role === 'upper').length;
  const raw = smoothingOn(y) ? 1 : 0;
  return lineCost(points * wide, 1.5) + lineCost(points * (thin + 2 * bandCount + raw * (wide + thin)), 1);
}
