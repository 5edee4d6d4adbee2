/**
 * The metrics part of a payload, within a byte budget shared by all series, so that one output
 * message stays small at any number of metrics and points. The displayed output is what a notebook
 * saves, so its budget is small (SAVED_METRICS_BUDGET_BYTES: a show() adds at most about 100 kB to
 * the .ipynb whatever the data size); live views ask the kernel for more detail over the comm.
 *
 * Which metrics fit is reckoned, not measured: every series costs its name plus a fixed JSON
 * overhead and two points at the longest JSON numbers, so the names never push a payload over.
 * How many points each shown series gets is then measured: one pass at a typical point size, then
 * again with the points scaled by how far the JSON came out from the budget (a few passes at most).
 */
import { runField, type MetricSeries } from '../../protocol';
import { downsampleWith } from '../../protocol/downsample';
import type { Series } from './store';

/** What the payload reads of a recorded series. */
export type StoredSeries = Pick<Series, 'name' | 'run' | 'points'>;

/** The metrics of a displayed (saved) output take at most this many bytes of JSON. */
export const SAVED_METRICS_BUDGET_BYTES = 48_000;
/** What a saved output may take in all: its metrics, media entries, title and the text summaries. */
export const SAVED_OUTPUT_BYTES = 100_000;
/** The static charts of the HTML part, at most (src/kernel/outputs/static-charts.ts). */
export const STATIC_CHARTS_BYTES = 20_000;
/** The stills of the HTML part, at most (src/kernel/outputs/static-stills.ts): about 2 kB each. */
export const STILLS_BYTES = 14_000;
/**
 * The text and HTML summaries (they list at most 40 metrics and 20 media entries) and the payload's
 * header, about, and the static charts and stills.
 */
const SAVED_OTHER_BYTES = 18_000 + STATIC_CHARTS_BYTES + STILLS_BYTES;
/** Metrics always get this much, however many media entries there are (keepLast bounds those). */
const SAVED_METRICS_FLOOR_BYTES = 20_000;

/** The metrics' share of a saved output, after its media entries. */
export function savedMetricsBudget(mediaBytes: number): number {
  return Math.max(
    SAVED_METRICS_FLOOR_BYTES,
    Math.min(SAVED_METRICS_BUDGET_BYTES, SAVED_OUTPUT_BYTES - SAVED_OTHER_BYTES - mediaBytes)
  );
}

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

export interface MetricsPart {
  metrics: MetricSeries[];
  /** Metrics recorded but left out because even their names would not fit the budget. */
  omittedMetrics: number;
}

/** The series' name and run, as the JSON carries them. */
function nameBytes(s: StoredSeries): number {
  return Buffer.byteLength(JSON.stringify(s.name)) + (s.run ? Buffer.byteLength(JSON.stringify(s.run)) + 8 : 0);
}

/** Seven significant digits: what a chart or a hover value can show, at half the JSON of a double. */
function compact(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(7));
}

/** One series at `points` points at most (min/max kept), times relative to `origin`. */
export function shapeSeries(s: StoredSeries, points: number, origin: number): MetricSeries {
  const p = s.points;
  const idx = downsampleWith(p.valueAt, points, 0, p.length);
  return {
    name: s.name,
    ...runField(s.run),
    steps: idx.map(p.stepAt),
    values: idx.map(i => compact(p.value(i))),
    times: idx.map(i => p.time(i) - origin),
    totalPoints: p.logged
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
  const entries = [...series.values()];
  let fixed = 0;
  let shown = 0;
  for (const s of entries) {
    const cost = nameBytes(s) + SERIES_OVERHEAD_BYTES + MIN_POINTS * POINT_BYTES;
    if (fixed + cost > budgetBytes) break;
    fixed += cost;
    shown++;
  }
  const kept = entries.slice(0, shown);
  const build = (points: number): MetricSeries[] => kept.map(s => shapeSeries(s, points, origin));
  const spare = budgetBytes - fixed;
  let perSeries = shown === 0 ? 0 : Math.min(maxPerSeries, MIN_POINTS + Math.floor(spare / (shown * TYPICAL_POINT_BYTES)));
  // Scale the points to the measured size: down when over the budget, up when well under it.
  let best: MetricSeries[] | null = null;
  for (let attempt = 0; attempt < 4; attempt++) {
    const metrics = build(perSeries);
    const size = Buffer.byteLength(JSON.stringify(metrics));
    if (size <= budgetBytes) best = metrics;
    const next = Math.max(MIN_POINTS, Math.min(maxPerSeries, Math.floor(perSeries * (budgetBytes / size) * 0.95)));
    if ((size <= budgetBytes && size > budgetBytes * 0.8) || next === perSeries) break;
    perSeries = next;
  }
  // Two points a series always fit (reckoned at the longest numbers above).
  const metrics = best ?? build(MIN_POINTS);
  return { metrics, omittedMetrics: entries.length - shown };
}
