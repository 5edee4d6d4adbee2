/**
 * How much each config key matters to a metric summary, one key at a time over the runs:
 * Spearman's rank correlation ρ for numbers and booleans (−1…1: the sign says which way), the
 * correlation ratio η of the summary's ranks for categories (0…1: how much of their spread the
 * categories explain). Rank-based, so that one outlier run or a log-spaced key does not decide it.
 * Its limits (docs/usage.md, "Sweeps"): it sees monotone effects of one key, not keys that matter
 * only together, nor a best value in the middle of a range; below MIN_RUNS runs it says nothing.
 */
import type { AxisValue } from './sweep-axes';

/** Fewer runs than this with both values: no measure (three points always have a rank order). */
export const MIN_RUNS = 4;

export interface KeyImportance {
  key: string;
  measure: 'spearman' | 'eta';
  /** null: too few runs, or the key or the summary does not vary over them. */
  value: number | null;
  /** Runs with both a value of the key and the summary. */
  runs: number;
}

/** Ranks from 1, ties given their mean rank. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Spearman's ρ: the correlation of the ranks. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  return xs.length >= MIN_RUNS ? pearson(ranks(xs), ranks(ys)) : null;
}

/** The correlation ratio η of the ys' ranks over the groups: √(between-group / total sum of squares). */
export function rankCorrelationRatio(groups: readonly string[], ys: readonly number[]): number | null {
  if (ys.length < MIN_RUNS || new Set(groups).size < 2) return null;
  const r = ranks(ys);
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const total = r.reduce((a, v) => a + (v - mean) ** 2, 0);
  if (total === 0) return null;
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => byGroup.set(g, [...(byGroup.get(g) ?? []), r[i]]));
  let between = 0;
  for (const members of byGroup.values()) {
    const m = members.reduce((a, b) => a + b, 0) / members.length;
    between += members.length * (m - mean) ** 2;
  }
  return Math.sqrt(between / total);
}

/** Each key's measure against the summary (runs by name), the strongest first; unmeasurable last. */
export function importanceOf(
  keys: ReadonlyArray<{ key: string; values: ReadonlyMap<string, AxisValue> }>,
  summary: ReadonlyMap<string, number>
): KeyImportance[] {
  const out = keys.map(({ key, values }): KeyImportance => {
    const both = [...values].filter(([run]) => summary.has(run));
    const ys = both.map(([run]) => summary.get(run)!);
    const numeric = both.every(([, v]) => typeof v === 'number' || typeof v === 'boolean');
    if (numeric)
      return {
        key,
        measure: 'spearman',
        value: spearman(
          both.map(([, v]) => Number(v)),
          ys
        ),
        runs: both.length
      };
    return {
      key,
      measure: 'eta',
      value: rankCorrelationRatio(
        both.map(([, v]) => String(v)),
        ys
      ),
      runs: both.length
    };
  });
  return out.sort(
    (a, b) => (a.value === null ? 1 : 0) - (b.value === null ? 1 : 0) || Math.abs(b.value ?? 0) - Math.abs(a.value ?? 0)
  );
}
