/**
 * Runs grouped (by a config key, or by everything but the seed) into run groups, and what the
 * runs table lists of a group.
 */
import { lastFinite } from '../../protocol/chart-summary';
import { formatConfigValue } from '../../protocol/format';
import { runLabel, runOf, type MetricSeries, type RunConfig, type RunInfo } from '../../protocol';

/** How runs are grouped: not at all, by one config key, or by every config key but `seed`. */
export type RunGrouping = { by: 'none' } | { by: 'key'; key: string } | { by: 'all but seed' };
/** A run group's band: its runs' lowest and highest value at each step, or the mean ± one standard deviation. */
export type BandKind = 'min-max' | 'std';

export interface RunGroup {
  /** "lr=1e-3", "lr=1e-3, optimizer=adam": what the group's runs share. */
  label: string;
  runs: string[];
}

/** The runs in groups, in the order each group's first run began. */
export function groupRuns(runs: readonly RunInfo[], grouping: RunGrouping): RunGroup[] {
  if (grouping.by === 'none') return runs.map(r => ({ label: runLabel(r.name), runs: [r.name] }));
  const groups = new Map<string, RunGroup>();
  for (const r of runs) {
    const shared: Array<[string, RunConfig[string] | undefined]> =
      grouping.by === 'key'
        ? [[grouping.key, r.config[grouping.key]]]
        : Object.keys(r.config)
            .filter(k => k !== 'seed')
            .sort()
            .map(k => [k, r.config[k]]);
    const key = JSON.stringify(shared);
    const label = shared.length ? shared.map(([k, v]) => `${k}=${formatConfigValue(v)}`).join(', ') : 'all runs';
    const group = groups.get(key) ?? { label, runs: [] };
    group.runs.push(r.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** A group's last values of one metric across its runs: their mean and standard deviation. */
export function groupLastStats(
  metrics: readonly MetricSeries[],
  group: RunGroup,
  metric: string
): { mean: number; std: number; n: number } | null {
  const lasts: number[] = [];
  for (const m of metrics) {
    if (m.name !== metric || !group.runs.includes(runOf(m))) continue;
    const last = lastFinite(m.values)?.value ?? null;
    if (last !== null) lasts.push(last);
  }
  if (!lasts.length) return null;
  const mean = lasts.reduce((a, b) => a + b, 0) / lasts.length;
  const std = Math.sqrt(lasts.reduce((a, b) => a + (b - mean) ** 2, 0) / lasts.length);
  return { mean, std, n: lasts.length };
}
