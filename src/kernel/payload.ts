/**
 * The metrics part of a payload, within a byte budget shared by all series, so that one output
 * message stays small at any number of metrics and points. The displayed output is what a notebook
 * saves, so its budget is small (SAVED_METRICS_BUDGET_BYTES: a show() adds at most about 100 kB to
 * the .ipynb whatever the data size); live views ask the kernel for more detail over the comm.
 *
 * Which metrics fit is reckoned, not measured: every series costs its name plus a fixed JSON
 * overhead and two points at the longest JSON numbers, so the names never push a payload over.
 * How many points each shown series gets is then measured: one pass at a typical point size, and
 * when the JSON came out larger, again with the points scaled down by the overshoot.
 */
import type { MetricSeries } from '../protocol';
import { downsampleIndices, pick } from './downsample';

/** The metrics of a displayed (saved) output take at most this many bytes of JSON. */
export const SAVED_METRICS_BUDGET_BYTES = 80_000;
/** The metrics of a detail reply on the comm (live views only, never saved). */
export const DETAIL_METRICS_BUDGET_BYTES = 1_500_000;
/** The most a point can take: the longest step, a value at 7 digits and a time offset, with commas. */
export const POINT_BYTES = 56;
/** What a point usually takes (`1234,0.1234567,56789,`), the first guess of the measured pass. */
const TYPICAL_POINT_BYTES = 24;
/** `{"name":,"steps":[],"values":[],"times":[],"totalPoints":123456789012},` rounded up. */
const SERIES_OVERHEAD_BYTES = 80;
/** A series shown at all shows at least its first and last extremes. */
const MIN_POINTS = 2;

export interface StoredSeries {
  steps: number[];
  values: Array<number | null>;
  /** When each point was added, ms since the epoch. */
  times: number[];
}

export interface MetricsPart {
  metrics: MetricSeries[];
  /** Metrics recorded but left out because even their names would not fit the budget. */
  omittedMetrics: number;
}

function nameBytes(name: string): number {
  return Buffer.byteLength(JSON.stringify(name));
}

/** Seven significant digits: what a chart or a hover value can show, at half the JSON of a double. */
function compact(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(7));
}

/** One series at `points` points at most (min/max kept), times relative to `origin`. */
export function shapeSeries(name: string, s: StoredSeries, points: number, origin: number): MetricSeries {
  const idx = downsampleIndices(s.values, points);
  return {
    name,
    steps: pick(s.steps, idx),
    values: idx.map(i => compact(s.values[i])),
    times: idx.map(i => s.times[i] - origin),
    totalPoints: s.steps.length
  };
}

/**
 * Downsamples every series to an equal share of the budget (never more than `maxPerSeries`
 * points); when there are so many metrics that their names alone exhaust the budget, the later
 * ones are left out.
 */
export function metricsWithinBudget(
  series: ReadonlyMap<string, StoredSeries>,
  maxPerSeries: number,
  budgetBytes = SAVED_METRICS_BUDGET_BYTES,
  origin = 0
): MetricsPart {
  const entries = [...series];
  let fixed = 0;
  let shown = 0;
  for (const [name] of entries) {
    const cost = nameBytes(name) + SERIES_OVERHEAD_BYTES + MIN_POINTS * POINT_BYTES;
    if (fixed + cost > budgetBytes) break;
    fixed += cost;
    shown++;
  }
  const kept = entries.slice(0, shown);
  const build = (points: number): MetricSeries[] => kept.map(([name, s]) => shapeSeries(name, s, points, origin));
  const spare = budgetBytes - fixed;
  let perSeries = shown === 0 ? 0 : Math.min(maxPerSeries, MIN_POINTS + Math.floor(spare / (shown * TYPICAL_POINT_BYTES)));
  let metrics = build(perSeries);
  for (let attempt = 0; attempt < 4 && perSeries > MIN_POINTS; attempt++) {
    const size = Buffer.byteLength(JSON.stringify(metrics));
    if (size <= budgetBytes) break;
    perSeries = Math.max(MIN_POINTS, Math.floor(perSeries * (budgetBytes / size) * 0.95));
    metrics = build(perSeries);
  }
  // Two points a series always fit (reckoned at the longest numbers above).
  if (perSeries > MIN_POINTS && Buffer.byteLength(JSON.stringify(metrics)) > budgetBytes) metrics = build(MIN_POINTS);
  return { metrics, omittedMetrics: entries.length - shown };
}
