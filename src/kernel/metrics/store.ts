/**
 * The scalar series a plotter records: every point kept in the kernel (payloads downsample, the
 * store never does) with the wall time it was added at (for the charts' relative and wall-time
 * axes), running min and max for the text summary, and the latest step seen, which media logged
 * without a step line up with.
 */
import { DEFAULT_RUN, seriesKey } from '../../protocol';
import type { StoredSeries } from './saved-budget';
import type { MetricStats } from '../outputs/summary';
import { InputError, checkName, checkNumber, checkStep } from '../input';

export interface Series extends StoredSeries {
  min: number | null;
  max: number | null;
  /** How many times a resumed run cut this series back (live views then get it anew). */
  cuts: number;
}

/** Widens the series' running range to take in one value (gaps are no values). */
function widen(s: Series, v: number | null): void {
  if (v === null) return;
  if (s.min === null || v < s.min) s.min = v;
  if (s.max === null || v > s.max) s.max = v;
}

/**
 * A step that goes back means the run resumed from an earlier checkpoint: the points logged from
 * that step on belong to the abandoned attempt, so they go (as TensorBoard purges orphaned data).
 * The series stays ordered by step, and every chart, CSV and summary shows the run as it is now.
 */
function supersede(s: Series, from: number): void {
  let keep = s.steps.length;
  while (keep > 0 && s.steps[keep - 1] >= from) keep--;
  s.steps.length = keep;
  s.values.length = keep;
  s.times.length = keep;
  s.cuts++;
  s.min = s.max = null;
  for (const v of s.values) widen(s, v);
}

export class MetricsStore {
  /** Every series, by seriesKey (run and name), in the order they began. */
  readonly series = new Map<string, Series>();
  /** The step of the most recent point of any metric; null before the first. */
  latestStep: number | null = null;
  /** The same, per run. */
  private readonly latestOfRun = new Map<string, number>();
  /** When the first point was added (ms since the epoch); null before it. */
  startedAt: number | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /** The step of the most recent point of a run's metrics; null before its first. */
  latestStepOf(run: string): number | null {
    return this.latestOfRun.get(run) ?? null;
  }

  /** Whether a run has any metric yet. */
  hasRun(run: string): boolean {
    return this.latestOfRun.has(run);
  }

  /** Records one value of a run's metric; `step` defaults to the next index of that metric. */
  add(name: string, value: number, step?: number, run: string = DEFAULT_RUN): void {
    checkName('metric', name);
    checkNumber(`the value of "${name}"`, value);
    if (step !== undefined) checkStep(`the step of "${name}"`, step);
    const key = seriesKey({ name, run });
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { name, run, steps: [], values: [], times: [], min: null, max: null, cuts: 0 }));
    const at = step ?? (s.steps.length ? s.steps[s.steps.length - 1] + 1 : 0);
    if (s.steps.length && at < s.steps[s.steps.length - 1]) supersede(s, at);
    s.steps.push(at);
    const now = this.clock();
    this.startedAt ??= now;
    s.times.push(now);
    const finite = Number.isFinite(value) ? value : null;
    s.values.push(finite);
    widen(s, finite);
    this.latestStep = at;
    this.latestOfRun.set(run, at);
  }

  /** Checks a whole batch before recording any of it. */
  checkBatch(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): void {
    checkName('metric', name);
    if (!values || typeof values.length !== 'number') {
      throw new InputError(`addMetric("${name}", values) needs an array of numbers.`);
    }
    if (steps !== undefined && steps.length !== values.length) {
      throw new InputError(`addMetric("${name}") got ${values.length} values but ${steps.length} steps.`);
    }
    for (let i = 0; i < values.length; i++) checkNumber(`"${name}"[${i}]`, values[i]);
    if (steps) for (let i = 0; i < steps.length; i++) checkStep(`the step of "${name}"[${i}]`, steps[i]);
  }

  stats(): MetricStats[] {
    return [...this.series.values()].map(s => ({
      name: s.name,
      run: s.run,
      points: s.steps.length,
      last: s.values.length ? s.values[s.values.length - 1] : null,
      min: s.min,
      max: s.max
    }));
  }
}
