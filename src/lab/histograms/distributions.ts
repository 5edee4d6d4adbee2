/**
 * What the histogram cards draw, as pure functions of the payload's histogram series
 * (src/protocol/histograms.ts): the distribution over steps as TensorBoard's percentile bands, the
 * histogram at a chosen step as each bucket's share of the values (so that runs with different
 * numbers of values overlay), and the CSV of their summaries.
 */
import {
  DISTRIBUTION_PERCENTILES,
  bucketEdges,
  percentilesOf,
  runLabel,
  runOf,
  seriesKey,
  type HistogramSeries
} from '../../protocol';
import { searchSorted } from '../../protocol/downsample';
import { csvCell } from '../charts/csv';

/**
 * The payload's histograms, each replaced by the kernel's detail of it (a live view's, every kept
 * step) where that reaches as far: a newer payload's series, or a series new since, stay its own.
 */
export function withHistogramDetail(
  payload: readonly HistogramSeries[],
  detail: readonly HistogramSeries[] | null
): HistogramSeries[] {
  if (!detail) return payload.slice();
  const byKey = new Map(detail.map(h => [seriesKey(h), h]));
  const last = (h: HistogramSeries): number => h.steps[h.steps.length - 1] ?? -Infinity;
  return payload.map(h => {
    const d = byKey.get(seriesKey(h));
    return d && last(d) >= last(h) ? d : h;
  });
}

/** The percentile columns over the steps: `[steps, p0, p6.68, …, p100]`, null where a step had no finite values. */
export function distributionColumns(h: HistogramSeries): Array<Array<number | null>> {
  const columns: Array<Array<number | null>> = [h.steps.slice(), ...DISTRIBUTION_PERCENTILES.map(() => [])];
  h.steps.forEach((_, i) => percentilesOf(h.mins[i], h.maxes[i], h.counts[i]).forEach((v, k) => columns[k + 1].push(v)));
  return columns;
}

/** The index of the step at or before `step` (the first step when it is before all); -1 for no steps. */
export function stepIndexAtOrBefore(steps: readonly number[], step: number | null): number {
  if (!steps.length) return -1;
  return step === null ? steps.length - 1 : Math.max(0, searchSorted(steps, step, 'right') - 1);
}

/** One step's histogram as bars: each bucket's left and right edge and its share of the step's finite values. */
export interface Bars {
  step: number;
  edges: number[];
  shares: number[];
  /** NaN, +Infinity, −Infinity counts. */
  nonFinite: [number, number, number];
  values: number;
}

export function barsAt(h: HistogramSeries, i: number): Bars {
  const counts = h.counts[i];
  const total = counts.reduce((a, b) => a + b, 0);
  const right = bucketEdges(h.mins[i], h.maxes[i], counts.length);
  const edges = [h.mins[i], ...right];
  const nonFinite = h.nonFinite?.[i] ?? [0, 0, 0];
  return {
    step: h.steps[i],
    edges,
    shares: counts.map(c => (total ? c / total : 0)),
    nonFinite,
    values: total + nonFinite[0] + nonFinite[1] + nonFinite[2]
  };
}

/** The CSV of every series' distribution: a row per step with its percentiles and its non-finite counts. */
export function histogramsCsv(series: readonly HistogramSeries[]): string {
  const head = ['run', 'name', 'step', ...DISTRIBUTION_PERCENTILES.map(p => `p${p}`), 'values', 'nan', 'posinf', 'neginf'];
  const rows = series.flatMap(h =>
    h.steps.map((step, i) => {
      const { values, nonFinite } = barsAt(h, i);
      const p = percentilesOf(h.mins[i], h.maxes[i], h.counts[i]);
      return [
        csvCell(runLabel(runOf(h))),
        csvCell(h.name),
        step,
        ...p.map(v => (v === null ? '' : v)),
        values,
        ...nonFinite
      ].join(',');
    })
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}
