/**
 * One number per run for a metric: its last value, its best (lowest or highest), or the mean of
 * its last N points. What the runs table's last and best columns, a run group's mean of last values,
 * and the sweep view's metric axes, scatter and importance measure read.
 */
import { runOf, type MetricSeries } from '../../protocol';

export type SummaryKind = 'last' | 'best' | 'mean of last';

export interface MetricSummary {
  metric: string;
  kind: SummaryKind;
  /** Best is the lowest or the highest value. */
  best: 'min' | 'max';
  /** 'mean of last': how many of the last points. */
  lastN: number;
}

/** "return (last)", "loss (lowest)", "return (mean of last 10)". */
export function summaryLabel(s: MetricSummary): string {
  const how =
    s.kind === 'last' ? 'last' : s.kind === 'best' ? (s.best === 'min' ? 'lowest' : 'highest') : `mean of last ${s.lastN}`;
  return `${s.metric} (${how})`;
}

/** The mean of a series' last `n` finite values (its last value, for 1); null when it has none. */
export function meanOfLast(values: ReadonlyArray<number | null>, n: number): number | null {
  let sum = 0;
  let taken = 0;
  for (let i = values.length - 1; i >= 0 && taken < n; i--) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    taken++;
  }
  return taken ? sum / taken : null;
}

/** A series' best finite value, the lowest or the highest; null when it has none. */
export function bestValue(values: ReadonlyArray<number | null>, best: 'min' | 'max'): number | null {
  let out: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (out === null || (best === 'min' ? v < out : v > out)) out = v;
  }
  return out;
}

/**
 * The summary of one series' finite values; null when it has none. The points are those the
 * output holds: on a downsampled series the last N are the last N it shows (min/max kept), not
 * necessarily the last N logged.
 */
export function summarize(values: ReadonlyArray<number | null>, s: MetricSummary): number | null {
  if (s.kind === 'best') return bestValue(values, s.best);
  return meanOfLast(values, s.kind === 'last' ? 1 : s.lastN);
}

/** Each run's summary of the metric, by run name (runs without a finite value left out). */
export function summariesByRun(metrics: readonly MetricSeries[], s: MetricSummary): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics) {
    if (m.name !== s.metric) continue;
    const v = summarize(m.values, s);
    if (v !== null) out.set(runOf(m), v);
  }
  return out;
}
