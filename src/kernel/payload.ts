/**
 * The metrics part of a payload, within a byte budget shared by all series, so that one output
 * message stays small at any number of metrics and points (a notebook saves the last one of each
 * output, and JupyterLab parses every one while training runs).
 *
 * The budget is reckoned, not measured: every series costs its name plus a fixed JSON overhead,
 * and every point at most POINT_BYTES (a step and a value at the longest JSON numbers take). So the
 * metrics of a payload never exceed `budgetBytes`, without serializing anything to find out.
 */
import type { MetricSeries } from '../protocol';
import { downsampleSeries } from './downsample';

/** The metrics of one payload take at most this many bytes of JSON; the rest of a message is small. */
export const METRICS_BUDGET_BYTES = 1_500_000;
/** The most a point can take: `-1.2345678901234567e-100,` for the value, as much again for the step. */
export const POINT_BYTES = 50;
/** `{"name":,"steps":[],"values":[],"totalPoints":123456789012},` rounded up. */
const SERIES_OVERHEAD_BYTES = 64;
/** A series shown at all shows at least its first and last extremes. */
const MIN_POINTS = 2;

export interface StoredSeries {
  steps: number[];
  values: Array<number | null>;
}

export interface MetricsPart {
  metrics: MetricSeries[];
  /** Metrics recorded but left out because even their names would not fit the budget. */
  omittedMetrics: number;
}

function nameBytes(name: string): number {
  return Buffer.byteLength(JSON.stringify(name));
}

/**
 * Downsamples every series to an equal share of the point budget (never more than `maxPerSeries`);
 * when there are so many metrics that their names alone exhaust the budget, the later ones are left out.
 */
export function metricsWithinBudget(
  series: ReadonlyMap<string, StoredSeries>,
  maxPerSeries: number,
  budgetBytes = METRICS_BUDGET_BYTES
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
  const spare = budgetBytes - fixed;
  const perSeries = shown === 0 ? 0 : Math.min(maxPerSeries, MIN_POINTS + Math.floor(spare / (shown * POINT_BYTES)));
  const metrics = entries.slice(0, shown).map(([name, s]) => ({
    name,
    ...downsampleSeries(s.steps, s.values, perSeries),
    totalPoints: s.steps.length
  }));
  return { metrics, omittedMetrics: entries.length - shown };
}
