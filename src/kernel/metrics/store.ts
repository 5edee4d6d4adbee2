/**
 * The scalar series a plotter records: every point kept in the kernel (payloads downsample, the
 * store never does, until its memory bound) with the wall time it was added at (for the charts'
 * relative and wall-time axes), running min and max for the text summary, and the latest step
 * seen, which media logged without a step line up with. Points are kept compactly (SeriesPoints,
 * 12 to 16 bytes each); past the plotter's memory bound, older detail is merged into min/max buckets
 * instead of growing (docs/design-decisions.md, "Points in the kernel").
 */
import * as os from 'os';
import { DEFAULT_RUN, seriesKey } from '../../protocol';
import { InputError, checkMetricBatch, checkName, checkNumber, checkStep } from '../input';
import { MIN_SEGMENT_POINTS, SEGMENT_POINTS, SeriesPoints } from './points';

/** What the text summary lists of one series. */
export interface MetricStats {
  name: string;
  /** DEFAULT_RUN for the plotter's own logging. */
  run: string;
  points: number;
  last: number | null;
  min: number | null;
  max: number | null;
}

export interface Series {
  name: string;
  /** DEFAULT_RUN ('') for the plotter's own logging. */
  run: string;
  points: SeriesPoints;
  min: number | null;
  max: number | null;
  /** How many times a resumed run cut this series back (live views then get it anew). */
  cuts: number;
}

/** Logged points a bucket of sealed detail stands for when the bound is first reached (its min and max kept). */
const DETAIL_BUCKET = 128;
/** Merged points a bucket of merged points stands for, when merging detail was not enough. */
const MERGED_BUCKET = 4;

/** The default memory bound: an eighth of the machine's memory (a sweep must not bring the OOM killer). */
export function defaultMemoryBoundBytes(): number {
  return Math.max(64 * 2 ** 20, Math.floor(os.totalmem() / 8));
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
  const p = s.points;
  let keep = p.length;
  while (keep > 0 && p.step(keep - 1) >= from) keep--;
  p.truncate(keep);
  s.cuts++;
  s.min = s.max = null;
  for (let i = 0; i < p.length; i++) widen(s, p.value(i));
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

  /** Bytes the points of every series take. */
  private bytes = 0;
  /** Whether the memory bound was reached (older detail is then merged into buckets). */
  boundReached = false;

  constructor(
    private readonly clock: () => number = Date.now,
    /** Past this many bytes of points, older detail is merged into min/max buckets. */
    readonly boundBytes = defaultMemoryBoundBytes(),
    /** Called once per add (a batch is one): the plotter's outputs hear of it as of media changes. */
    private readonly onChange: () => void = () => undefined,
    /** Bytes of the bound others hold (the histograms): the points get the rest. */
    private readonly heldElsewhere: () => number = () => 0
  ) {}

  /** What the points may take: the bound, less what the histograms hold. */
  private get pointsBound(): number {
    return this.boundBytes - this.heldElsewhere();
  }

  /** Logged points that are now merged into buckets, across all series. */
  get mergedLogged(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.points.mergedLogged;
    return n;
  }

  /** Bytes the points take now. */
  get pointBytes(): number {
    return this.bytes;
  }

  /** The step of the most recent point of a run's metrics; null before its first. */
  latestStepOf(run: string): number | null {
    return this.latestOfRun.get(run) ?? null;
  }

  /** Whether a run has any metric yet. */
  hasRun(run: string): boolean {
    return this.latestOfRun.has(run);
  }

  /** The runs that have a metric, in the order of their first. */
  runsWithMetrics(): string[] {
    return [...this.latestOfRun.keys()];
  }

  /**
   * Records one value of a run's metric; `step` defaults to the next index of that metric, `time`
   * (ms since the epoch) to now: a point read from a log has the time it was logged at.
   */
  add(name: string, value: number, step?: number, run: string = DEFAULT_RUN, time?: number): void {
    this.record(name, value, step, run, time);
    this.onChange();
  }

  /** Records a batch of one run's metric, checked whole before any of it is recorded; one change for all. */
  addBatch(name: string, values: ArrayLike<number>, steps: ArrayLike<number> | undefined, run: string): void {
    checkMetricBatch(name, values, steps);
    for (let i = 0; i < values.length; i++) this.record(name, values[i], steps?.[i], run);
    this.onChange();
  }

  /**
   * Records points read from elsewhere (a log directory), each at its step and time (ms since the
   * epoch), its name `names[nameIndex[i]]`; one change for all. A point the plotter cannot take (an
   * empty name) is left out: returns how many were.
   */
  addRead(
    run: string,
    names: readonly string[],
    nameIndex: ArrayLike<number>,
    values: ArrayLike<number>,
    steps: ArrayLike<number>,
    times: ArrayLike<number>
  ): number {
    // Each name's series, looked up once a batch: a log is millions of points over a few names.
    const seriesOfName = names.map(name => {
      try {
        checkName('metric', name);
        return this.seriesOf(name, run);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        return null;
      }
    });
    let refused = 0;
    let at: number | null = null;
    for (let i = 0; i < nameIndex.length; i++) {
      const s = seriesOfName[nameIndex[i]];
      if (s === null) refused++;
      else at = this.recordInto(s, values[i], steps[i], times[i]);
    }
    if (at !== null) {
      this.latestStep = at;
      this.latestOfRun.set(run, at);
      this.onChange();
    }
    return refused;
  }

  private record(name: string, value: number, step: number | undefined, run: string, time?: number): void {
    checkName('metric', name);
    checkNumber(`the value of "${name}"`, value);
    if (step !== undefined) checkStep(`the step of "${name}"`, step);
    const at = this.recordInto(this.seriesOf(name, run), value, step, time);
    this.latestStep = at;
    this.latestOfRun.set(run, at);
  }

  /** The series of a run's metric (its name checked), begun if new. */
  private seriesOf(name: string, run: string): Series {
    const key = seriesKey({ name, run });
    let s = this.series.get(key);
    if (!s) {
      this.series.set(key, (s = { name, run, points: new SeriesPoints(), min: null, max: null, cuts: 0 }));
      if (this.boundReached) this.sealSmaller();
    }
    return s;
  }

  /** Records one value (checked) in a series; returns the step it was recorded at. */
  private recordInto(s: Series, value: number, step: number | undefined, time?: number): number {
    const p = s.points;
    const before = p.bytes;
    const last = p.length ? p.step(p.length - 1) : null;
    const at = step ?? (last === null ? 0 : last + 1);
    if (last !== null && at < last) supersede(s, at);
    const now = time ?? this.clock();
    this.startedAt ??= now;
    const finite = Number.isFinite(value) ? value : null;
    p.push(at, finite, now);
    widen(s, finite);
    if (p.bytes !== before) {
      // The bytes change only when a segment comes, grows or widens, or a resumed run cut some.
      this.bytes += p.bytes - before;
      if (this.bytes > this.pointsBound) this.mergeOlderDetail();
    }
    return at;
  }

  /**
   * Over the bound: the older half of every series' sealed detail becomes min/max buckets (so recent
   * steps keep their detail); then all of it, and then the buckets are merged again, while that is
   * not enough. Every extreme stays a point.
   */
  private mergeOlderDetail(): void {
    if (!this.boundReached) {
      this.boundReached = true;
      this.sealSmaller();
    }
    const merge = (how: (p: SeriesPoints) => void): void => {
      for (const s of this.series.values()) how(s.points);
      this.bytes = 0;
      for (const s of this.series.values()) this.bytes += s.points.bytes;
    };
    merge(p => p.mergeDetail(DETAIL_BUCKET, 0.5));
    if (this.bytes > this.pointsBound) merge(p => p.mergeDetail(DETAIL_BUCKET, 1));
    // Merging the buckets again, while that frees something worth it: what is left over the bound
    // then is open segments, and merging the buckets over and over would leave the history no detail.
    for (
      let pass = 0, before = Infinity;
      pass < 8 && this.bytes > this.pointsBound && before - this.bytes > this.pointsBound / 100;
      pass++
    ) {
      before = this.bytes;
      merge(p => p.mergeMerged(MERGED_BUCKET));
    }
  }

  /**
   * Over the bound, segments are sealed (and so can be merged) at a size that keeps every series'
   * open segment within an eighth of the bound together: with a thousand series, full-size open
   * segments alone would be over a 64 MB bound.
   */
  private sealSmaller(): void {
    const perSeries = this.pointsBound / 8 / Math.max(1, this.series.size) / 16;
    let points = SEGMENT_POINTS;
    while (points > MIN_SEGMENT_POINTS && points > perSeries) points /= 2;
    for (const s of this.series.values()) s.points.segmentPoints = points;
  }

  stats(): MetricStats[] {
    return [...this.series.values()].map(s => ({
      name: s.name,
      run: s.run,
      points: s.points.logged,
      last: s.points.length ? s.points.value(s.points.length - 1) : null,
      min: s.min,
      max: s.max
    }));
  }
}
