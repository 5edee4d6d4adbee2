/**
 * A run group's series as the charts draw them: per metric, the mean of its runs with a band, and
 * its runs faint behind. Runs on every live update of every chart on screen, so its sums live in
 * typed arrays reused from call to call.
 */
import { runLabel, runOf, type MetricSeries } from '../../protocol';
import { seriesColor, sharesItsChart } from '../../protocol/charts';
import { searchSorted } from '../../protocol/downsample';
import type { ChartSeries } from '../charts/chart-series';
import type { BandKind, RunGroup } from './run-groups';

export interface Aggregate {
  mean: MetricSeries;
  lower: MetricSeries;
  upper: MetricSeries;
}

/** Steps a group's mean is drawn at, at most: a chart is at most a few thousand pixels wide. */
export const GROUP_POINTS = 1000;

/**
 * One metric of a group of runs: the mean of the runs that have a value, and a band (the lowest
 * and highest, or the mean ± one population standard deviation). Gaps count as no value.
 *
 * Runs are compared at the same steps. When they logged few steps (at most GROUP_POINTS in all),
 * that is each step any of them logged. Otherwise their points do not line up (a live view gets
 * each run downsampled on its own, min/max kept), so the steps are cut into GROUP_POINTS equal
 * spans: each run counts once per span with its mean there, the min–max band takes each run's
 * lowest and highest value there, and the span is drawn at the mean step and time of its points.
 * It runs on every live update for every chart, so it keeps its sums in typed arrays.
 */
export function aggregateRuns(series: readonly MetricSeries[], band: BandKind): Aggregate {
  const sorted = fewSteps(series);
  const exact = sorted !== null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) if (s.steps.length) [lo, hi] = [Math.min(lo, s.steps[0]), Math.max(hi, s.steps[s.steps.length - 1])];
  const spans = exact ? sorted.length : GROUP_POINTS;
  const perStep = spans / (hi - lo || 1);
  // Across runs, per span: the runs' means (for the mean and std), their lowest and highest values,
  // and the steps and times of every point there; and one run's sums, extremes there.
  const a = scratch.across.reset(spans);
  const run = scratch.run.reset(spans);
  const owner = scratch.owner.fill(-1, 0, spans);
  const touched = scratch.touched;
  series.forEach((s, r) => {
    const { steps, values, times } = s;
    let count = 0;
    let k = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (exact) {
        // Steps ascend: the span moves forward (a search only when they do not).
        if (sorted[k] !== step) k = sorted[k] < step && sorted[k + 1] === step ? k + 1 : searchSorted(sorted, step);
      } else k = Math.min(spans - 1, Math.floor((step - lo) * perStep));
      if (owner[k] !== r) {
        owner[k] = r;
        touched[count++] = k;
        run.sum[k] = run.n[k] = 0;
        run.min[k] = Infinity;
        run.max[k] = -Infinity;
      }
      a.step[k] += step;
      a.steps[k]++;
      if (times) {
        a.t[k] += times[i];
        a.tn[k]++;
      }
      const v = values[i];
      if (v === null || !(v - v === 0)) continue; // a gap, NaN or ±Infinity
      run.sum[k] += v;
      run.n[k]++;
      if (v < run.min[k]) run.min[k] = v;
      if (v > run.max[k]) run.max[k] = v;
    }
    for (let j = 0; j < count; j++) {
      const k = touched[j];
      if (!run.n[k]) continue;
      const m = run.sum[k] / run.n[k];
      a.sum[k] += m;
      a.sq[k] += m * m;
      a.n[k]++;
      if (run.min[k] < a.min[k]) a.min[k] = run.min[k];
      if (run.max[k] > a.max[k]) a.max[k] = run.max[k];
    }
  });
  const kept: number[] = [];
  for (let k = 0; k < spans; k++) if (a.steps[k] > 0) kept.push(k);
  const steps = kept.map(k => (exact ? sorted[k] : a.step[k] / a.steps[k]));
  const mean = kept.map(k => (a.n[k] ? a.sum[k] / a.n[k] : null));
  const std = kept.map((k, i) => (a.n[k] ? Math.sqrt(Math.max(0, a.sq[k] / a.n[k] - mean[i]! * mean[i]!)) : null));
  const lower = kept.map((k, i) => (!a.n[k] ? null : band === 'min-max' ? a.min[k] : mean[i]! - std[i]!));
  const upper = kept.map((k, i) => (!a.n[k] ? null : band === 'min-max' ? a.max[k] : mean[i]! + std[i]!));
  const times = series.every(s => s.times) ? kept.map(k => (a.tn[k] ? a.t[k] / a.tn[k] : 0)) : undefined;
  const name = series[0]?.name ?? '';
  const totalPoints = Math.max(0, ...series.map(s => s.totalPoints));
  const of = (values: Array<number | null>): MetricSeries => ({ name, steps, values, ...(times ? { times } : {}), totalPoints });
  return { mean: of(mean), lower: of(lower), upper: of(upper) };
}

/**
 * Every step the runs logged, ascending, when that is at most GROUP_POINTS steps; null when more
 * (known without a set when one run alone has more).
 */
function fewSteps(series: readonly MetricSeries[]): number[] | null {
  for (const { steps } of series) {
    let distinct = steps.length ? 1 : 0;
    for (let i = 1; i < steps.length && distinct <= GROUP_POINTS; i++) if (steps[i] !== steps[i - 1]) distinct++;
    if (distinct > GROUP_POINTS) return null;
  }
  const all = new Set<number>();
  for (const s of series) {
    for (const step of s.steps) all.add(step);
    if (all.size > GROUP_POINTS) return null;
  }
  return [...all].sort((x, y) => x - y);
}

/** Sums, counts and extremes per span of steps (see aggregateRuns), reused from call to call. */
class SpanColumns {
  readonly sum = new Float64Array(GROUP_POINTS);
  readonly sq = new Float64Array(GROUP_POINTS);
  readonly n = new Float64Array(GROUP_POINTS);
  readonly min = new Float64Array(GROUP_POINTS);
  readonly max = new Float64Array(GROUP_POINTS);
  readonly step = new Float64Array(GROUP_POINTS);
  readonly steps = new Float64Array(GROUP_POINTS);
  readonly t = new Float64Array(GROUP_POINTS);
  readonly tn = new Float64Array(GROUP_POINTS);

  reset(spans: number): this {
    for (const column of [this.sum, this.sq, this.n, this.step, this.steps, this.t, this.tn]) column.fill(0, 0, spans);
    this.min.fill(Infinity, 0, spans);
    this.max.fill(-Infinity, 0, spans);
    return this;
  }
}

const scratch = {
  across: new SpanColumns(),
  run: new SpanColumns(),
  owner: new Int32Array(GROUP_POINTS),
  touched: new Int32Array(GROUP_POINTS)
};

/** Whether a group's runs are drawn faint behind its mean, or not at all. */
export type MemberLines = 'faint' | 'hidden';

/**
 * The series of grouped runs as charts draw them: per run group and metric, the mean (in the
 * group's colour, in the legend), the band's upper and lower edges, and the group's runs faint behind (or
 * not). Averaging comes first and the chart's smoothing after, on the mean and the band alike:
 * smoothing is linear, so the smoothed mean is the mean of the smoothed runs at aligned steps,
 * and the band then shows the spread of what was logged rather than of smoothed curves.
 */
export function groupedSeries(
  metrics: readonly MetricSeries[],
  groups: readonly RunGroup[],
  band: BandKind,
  members: MemberLines,
  colours: ReadonlyMap<string, string>
): ChartSeries[] {
  const shared = sharesItsChart(metrics);
  const names = [...new Set(metrics.map(m => m.name))];
  return groups.flatMap(g => {
    // Every run of a group has the group's colour (runColours).
    const color = colours.get(g.runs[0]) ?? seriesColor(0);
    return names.flatMap(name => {
      const own = metrics.filter(m => m.name === name && g.runs.includes(runOf(m)));
      if (!own.length) return [];
      const { mean, lower, upper } = aggregateRuns(own, band);
      const runGroup = runGroupKey(g.label, name);
      const several = shared(name);
      const label = `${g.label}${g.runs.length > 1 ? ` (${g.runs.length} runs)` : ''}${several ? ` · ${name}` : ''}`;
      const part = (s: MetricSeries, role: NonNullable<ChartSeries['role']>): ChartSeries => ({
        ...s,
        run: `${runGroup}\u0001${role}`,
        label: role === 'mean' ? label : `${label} (${role})`,
        color,
        role,
        runGroup
      });
      const faint =
        members === 'faint' ? own.map(m => ({ ...m, label: runLabel(m.run), color, role: 'member' as const, runGroup })) : [];
      return [...faint, part(upper, 'upper'), part(lower, 'lower'), part(mean, 'mean')];
    });
  });
}

/** The key a run group's lines of one metric share (ChartSeries.runGroup). */
function runGroupKey(label: string, metric: string): string {
  return `group\u0001${label}\u0000${metric}`;
}

/** Whether a line's run group (ChartSeries.runGroup) is the run group with this label. */
export function inRunGroup(runGroup: string | undefined, label: string): boolean {
  return runGroup?.startsWith(`group\u0001${label}\u0000`) ?? false;
}
