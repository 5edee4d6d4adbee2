/**
 * The histograms a plotter records (`addHistogram`): per run and name, one distribution per step,
 * kept as bucket counts (metrics/histogram.ts: 30 equal-width buckets, NaN and ±Infinity apart), a
 * few hundred bytes a step whatever the number of values. Bounded twice: each series keeps at most
 * HISTOGRAM_STEPS steps, and all of them at most an eighth of the plotter's memory bound (the points
 * get what they leave); past either, a series keeps every other step of those it kept (on a stride
 * that doubles, the latest always), so the kept steps stay evenly spread over the whole run, as
 * TensorBoard keeps a sample of 500.
 */
import { DEFAULT_RUN, percentilesOf, runField, seriesKey, type HistogramSeries } from '../../protocol';
import { InputError, checkName, checkNumber, checkStep } from '../input';
import { spreadIndexes } from '../../protocol/downsample';
import { histogramOf, type Histogram } from './histogram';

/** Steps a histogram series keeps at most (TensorBoard's default sample of histograms). */
export const HISTOGRAM_STEPS = 500;
/** Buckets of a histogram (TF2's `tf.summary.histogram`). */
export const HISTOGRAM_BUCKETS = 30;
/** What a kept step takes besides its counts: its object and numbers. */
const STEP_OVERHEAD_BYTES = 120;

export interface StoredHistogram {
  step: number;
  /** Its place among the series' histograms as added (0 for the first): whether the stride keeps it. */
  ordinal: number;
  min: number;
  max: number;
  /** Finite values. */
  num: number;
  counts: Float64Array;
  nan: number;
  posInf: number;
  negInf: number;
}

export interface HistogramSeriesState {
  name: string;
  /** DEFAULT_RUN for the plotter's own logging. */
  run: string;
  /** Ascending by step. */
  kept: StoredHistogram[];
  /** Histograms added, kept or not. */
  logged: number;
  /** Every how many added histograms one is kept (besides the latest): 1, then 2, 4… */
  stride: number;
}

/** What the text summary lists of one histogram series: its latest step. */
export interface HistogramStats {
  name: string;
  run: string;
  steps: number;
  last: { step: number; values: number; min: number | null; median: number | null; max: number | null; nonFinite: number };
}

function bytesOf(h: StoredHistogram): number {
  return STEP_OVERHEAD_BYTES + h.counts.byteLength;
}

/** The values of one histogram: an array of numbers or a typed array, each a number. */
export function checkHistogramValues(name: string, values: unknown): ArrayLike<number> {
  const v = values as ArrayLike<unknown> | null;
  if (!v || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new InputError(
      `addHistogram("${name}", values) needs an array of numbers or a typed array (Float32Array…); got ${values === null ? 'null' : typeof values}.`
    );
  }
  if (!ArrayBuffer.isView(v)) for (let i = 0; i < v.length; i++) checkNumber(`"${name}"[${i}]`, v[i]);
  return v as ArrayLike<number>;
}

function checkHistogramStep(name: string, step: number | undefined): void {
  if (step !== undefined) checkStep(`the step of histogram "${name}"`, step);
}

export class HistogramStore {
  readonly series = new Map<string, HistogramSeriesState>();
  /** Bytes every kept step takes. */
  bytes = 0;

  constructor(
    /** All histograms together at most (an eighth of the plotter's memory bound). */
    readonly boundBytes = Infinity,
    private readonly onChange: () => void = () => undefined,
    readonly stepsPerSeries = HISTOGRAM_STEPS
  ) {}

  /**
   * Records one histogram of `values` at `step` (default: the one after this series' last). A step
   * that goes back means a resumed run: the steps from it on go, as the metrics' do.
   */
  add(name: string, values: unknown, step: number | undefined, run = DEFAULT_RUN): number {
    checkName('metric', name);
    const checked = checkHistogramValues(name, values);
    checkHistogramStep(name, step);
    return this.store(name, histogramOf(checked, HISTOGRAM_BUCKETS), step, run);
  }

  /**
   * Records a histogram already counted (a worker's: runLogger().addHistogram counts in the
   * worker, so that only its buckets cross).
   */
  record(name: string, h: Histogram, step: number | undefined, run = DEFAULT_RUN): number {
    checkName('metric', name);
    checkHistogramStep(name, step);
    return this.store(name, h, step, run);
  }

  /** Whether some series dropped steps to stay within a bound (its stride grew). */
  get thinned(): boolean {
    for (const s of this.series.values()) if (s.stride > 1) return true;
    return false;
  }

  /** Keeps a checked histogram at its step; returns the step. */
  private store(name: string, h: Histogram, step: number | undefined, run: string): number {
    const key = seriesKey({ name, run });
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { name, run, kept: [], logged: 0, stride: 1 }));
    const last = s.kept.length ? s.kept[s.kept.length - 1].step : null;
    const at = step ?? (last === null ? 0 : last + 1);
    if (last !== null && at < last) {
      while (s.kept.length && s.kept[s.kept.length - 1].step >= at) this.bytes -= bytesOf(s.kept.pop()!);
    }
    // The latest was kept only as the latest: off the stride, it goes now that a newer one comes.
    const previous = s.kept[s.kept.length - 1];
    if (previous && previous.ordinal % s.stride !== 0) this.bytes -= bytesOf(s.kept.pop()!);
    const entry: StoredHistogram = {
      step: at,
      ordinal: s.logged,
      min: h.min,
      max: h.max,
      num: h.num,
      counts: Float64Array.from(h.counts),
      nan: h.nonFinite.nan,
      posInf: h.nonFinite.posInf,
      negInf: h.nonFinite.negInf
    };
    s.kept.push(entry);
    s.logged++;
    this.bytes += bytesOf(entry);
    if (s.kept.length > this.stepsPerSeries) this.thin(s);
    while (this.bytes > this.boundBytes && this.thinLargest()) {
      /* thinned */
    }
    this.onChange();
    return at;
  }

  /** The series' stride doubles: every other step it kept goes (the latest stays). */
  private thin(s: HistogramSeriesState): void {
    s.stride *= 2;
    const keep = s.kept.filter((h, i) => h.ordinal % s.stride === 0 || i === s.kept.length - 1);
    for (const h of s.kept) this.bytes -= bytesOf(h);
    for (const h of keep) this.bytes += bytesOf(h);
    s.kept = keep;
  }

  /** Thins the series with the most steps; false when none has more than two. */
  private thinLargest(): boolean {
    let largest: HistogramSeriesState | null = null;
    for (const s of this.series.values()) if (!largest || s.kept.length > largest.kept.length) largest = s;
    if (!largest || largest.kept.length <= 2) return false;
    this.thin(largest);
    return true;
  }

  stats(): HistogramStats[] {
    return [...this.series.values()].map(s => {
      const h = s.kept[s.kept.length - 1];
      const [median] = percentilesOf(h.min, h.max, [...h.counts], [50]);
      return {
        name: s.name,
        run: s.run,
        steps: s.kept.length,
        last: {
          step: h.step,
          values: h.num + h.nan + h.posInf + h.negInf,
          min: h.num ? h.min : null,
          median,
          max: h.num ? h.max : null,
          nonFinite: h.nan + h.posInf + h.negInf
        }
      };
    });
  }
}

/** Seven significant digits, as the metrics' values. */
function compact(v: number): number {
  return Number(v.toPrecision(7));
}

/** One series at `steps` of its kept steps at most, spread evenly (the first and the latest kept). */
export function shapeHistograms(s: HistogramSeriesState, steps: number): HistogramSeries {
  const picked = spreadIndexes(s.kept.length, steps).map(i => s.kept[i]);
  const anyNonFinite = picked.some(h => h.nan || h.posInf || h.negInf);
  return {
    name: s.name,
    ...runField(s.run),
    steps: picked.map(h => h.step),
    mins: picked.map(h => compact(h.min)),
    maxes: picked.map(h => compact(h.max)),
    counts: picked.map(h => [...h.counts]),
    ...(anyNonFinite ? { nonFinite: picked.map(h => [h.nan, h.posInf, h.negInf] as [number, number, number]) } : {}),
    totalSteps: s.kept.length
  };
}

/** Steps a series shows in a payload at most. */
export const PAYLOAD_HISTOGRAM_STEPS = 100;

/**
 * Every histogram series within a byte budget: an equal number of steps each (at most `maxSteps`:
 * PAYLOAD_HISTOGRAM_STEPS in a saved output), measured, as the metrics are; series past what even two steps each
 * allow are left out (counted).
 */
export function histogramsWithinBudget(
  store: HistogramStore,
  budgetBytes: number,
  maxSteps = PAYLOAD_HISTOGRAM_STEPS
): { histograms: HistogramSeries[]; omitted: number; bytes: number } {
  const all = [...store.series.values()];
  if (!all.length) return { histograms: [], omitted: 0, bytes: 0 };
  let steps = maxSteps;
  let shown = all.length;
  for (let attempt = 0; attempt < 8; attempt++) {
    const histograms = all.slice(0, shown).map(s => shapeHistograms(s, steps));
    const bytes = JSON.stringify(histograms).length;
    if (bytes <= budgetBytes) return { histograms, omitted: all.length - shown, bytes };
    if (steps > 2) steps = Math.max(2, Math.floor(steps * (budgetBytes / bytes) * 0.9));
    else shown = Math.max(0, Math.floor(shown * (budgetBytes / bytes) * 0.9));
  }
  return { histograms: [], omitted: all.length, bytes: 0 };
}
