/**
 * Pure data shaping for the charts: grouping metrics into charts, TensorBoard's debiased EMA,
 * aligning series on one x axis for uPlot, and CSV export. No DOM here, so it is unit-tested plainly.
 */
import uPlot from 'uplot';
import { runLabel, seriesKey, type MediaEntry, type MetricSeries, type RunConfig, type RunInfo } from '../../protocol';
import { chartGroupsOf, sharesItsChart } from '../../protocol/charts';
import { searchSorted } from '../../protocol/downsample';

// The series of several runs, coloured and labelled by run: shared with the output's static charts.
export { colourByRun } from '../../protocol/charts';

/** A series as a chart draws it: with runs, its legend label and its run's colour. */
export interface ChartSeries extends MetricSeries {
  /** The legend's label (default: the metric's name). */
  label?: string;
  /** The stroke colour (default: the series' place in its chart). */
  color?: string;
  /**
   * With grouped runs: a group's mean (drawn bold, in the legend), the edges of its band (the band
   * between them filled), or one of its runs (drawn faint behind). Absent: a series of its own.
   */
  role?: 'mean' | 'lower' | 'upper' | 'member';
  /** The group a mean, its band and its runs belong to: one legend toggle shows or hides them all. */
  group?: string;
}

export interface ChartGroup {
  /** Chart title: the shared prefix ("loss" for "loss/train" and "loss/eval"), or the metric's name. */
  title: string;
  metrics: ChartSeries[];
}

/** The key a chart keeps a series' legend toggle under: its run and name. */
export const chartKey = (m: MetricSeries): string => seriesKey(m);

/** The configs' keys whose values differ between runs (the runs table's default columns). */
export function differingConfigKeys(runs: readonly RunInfo[]): string[] {
  const keys = [...new Set(runs.flatMap(r => Object.keys(r.config)))];
  return keys.filter(k => new Set(runs.map(r => JSON.stringify(r.config[k] ?? null))).size > 1);
}

/** Every config key of any run, in first-seen order. */
export function allConfigKeys(runs: readonly RunInfo[]): string[] {
  return [...new Set(runs.flatMap(r => Object.keys(r.config)))];
}

/**
 * Metrics named "<group>/<rest>" share a chart per group, as TensorBoard groups tags; any other
 * metric gets a chart of its own (as the output's static charts do: src/protocol/charts.ts).
 */
export function groupMetrics(metrics: ChartSeries[]): ChartGroup[] {
  return chartGroupsOf(metrics);
}

/**
 * TensorBoard's smoothing: an exponential moving average debiased for its zero start, so the first
 * points are not pulled toward 0. `weight` in [0, 1); gaps (null) stay gaps and do not reset it.
 */
export function debiasedEma<T extends null | undefined = null>(
  values: ReadonlyArray<number | T>,
  weight: number
): Array<number | null | T> {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out = unboxedColumn(values.length);
  const gaps: number[] = [];
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // An aligned column's `undefined` (no point at that x) stays a hole (see unboxedColumn), and
    // is no gap either.
    if (v === undefined) continue;
    if (v === null || !Number.isFinite(v)) {
      gaps.push(i);
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return withGaps(out, gaps) as Array<number | null | T>;
}

/** Log scales cannot show values <= 0: those become gaps, and the count is reported. */
export function forLogScale<T extends null | undefined = null>(
  values: ReadonlyArray<number | T>
): { values: Array<number | null | T>; dropped: number } {
  let dropped = 0;
  const out = values.map((v): number | null | T => {
    if (typeof v === 'number' && v <= 0) {
      dropped++;
      return null;
    }
    return v;
  });
  return { values: out, dropped };
}

/**
 * One x axis for all series of a chart (uPlot's data layout): the union of their steps, with
 * `undefined` where a series has no point at a step (drawn across) and null where it logged a gap,
 * as uPlot.join does. Series that share their steps (the usual case) skip the join; ascending ones
 * (every series by step) are merged in one pass, which at 20 runs × a few thousand points was a
 * fraction of uPlot.join's time (it looks every point up in a map).
 *
 * Runs downsampled each on its own (min and max of each bucket) keep other steps, so 20 runs of
 * 2,400 points had 21,000 x between them, and every series as many entries. Past `columns` columns
 * of x (two x each, as min/max downsampling keeps), the series are put on one grid instead
 * (`onGrid`): what a chart of that many pixels can show anyway.
 */
export function alignSeries(
  series: Array<{ steps: number[]; values: Array<number | null> }>,
  columns = Infinity
): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  const first = series[0].steps;
  const same = series.every(
    s => s.steps === first || (s.steps.length === first.length && s.steps.every((x, i) => x === first[i]))
  );
  if (same) return [first, ...series.map(s => s.values)] as uPlot.AlignedData;
  if (!series.every(s => ascending(s.steps))) return uPlot.join(series.map(s => [s.steps, s.values] as uPlot.AlignedData));
  // One series with more distinct x than the grid has already makes the union larger: no need to
  // sort the union to know (a few ms a chart at 20 runs, in every live update).
  if (series.some(s => distinctMoreThan(s.steps, 2 * columns))) {
    const lo = Math.min(...series.map(s => (s.steps.length ? s.steps[0] : Infinity)));
    const hi = Math.max(...series.map(s => (s.steps.length ? s.steps[s.steps.length - 1] : -Infinity)));
    return onGrid(series, lo, hi, columns);
  }
  const all = new Float64Array(series.reduce((n, s) => n + s.steps.length, 0));
  let at = 0;
  for (const s of series) all.set(s.steps, (at += s.steps.length) - s.steps.length);
  all.sort();
  const xs: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]);
  if (xs.length > 2 * columns) return onGrid(series, xs[0], xs[xs.length - 1], columns);
  const aligned = series.map(s => {
    const column = unboxedColumn(xs.length);
    const gaps: number[] = [];
    for (let i = 0, j = 0; i < s.steps.length; i++) {
      while (xs[j] < s.steps[i]) j++;
      set(column, gaps, j, s.values[i]); // a repeated step: the last value, as uPlot.join
    }
    return withGaps(column, gaps);
  });
  return [xs, ...aligned] as uPlot.AlignedData;
}

/**
 * Ascending series on a grid of `columns` equal columns from `lo` to `hi`: each column has two x
 * (its start and middle; whole numbers when the columns are wide enough, as steps are), where each
 * series has its lowest and highest value there in the order it logged them (one value: the first
 * x), and the last x is `hi` itself, so that every series' last point stays the last. A column with
 * only gaps is a gap. Every extreme is kept, each within a column of its step.
 */
function onGrid(
  series: Array<{ steps: number[]; values: Array<number | null> }>,
  lo: number,
  hi: number,
  columns: number
): uPlot.AlignedData {
  const width = (hi - lo) / columns;
  const whole = width >= 2 && Number.isInteger(lo);
  const xs: number[] = [];
  for (let c = 0; c < columns; c++) {
    const start = lo + c * width;
    const middle = start + width / 2;
    xs.push(whole ? Math.round(start) : start, whole ? Math.round(middle) : middle);
  }
  xs.push(hi);
  const aligned = series.map(s => {
    const column = unboxedColumn(xs.length);
    const gaps: number[] = [];
    let c = -1;
    let min = 0;
    let max = 0;
    let minAt = -1;
    let maxAt = -1;
    let gap = false;
    const flush = (): void => {
      if (c < 0) return;
      if (minAt < 0) {
        if (gap) gaps.push(2 * c);
      } else if (minAt === maxAt) column[2 * c] = min;
      else [column[2 * c], column[2 * c + 1]] = minAt < maxAt ? [min, max] : [max, min];
    };
    for (let i = 0; i < s.steps.length; i++) {
      const at = s.steps[i] >= hi ? columns : Math.min(columns - 1, Math.floor((s.steps[i] - lo) / width));
      const v = s.values[i];
      if (at === columns) {
        set(column, gaps, 2 * columns, v); // the last step
        continue;
      }
      if (at !== c) {
        flush();
        c = at;
        minAt = maxAt = -1;
        gap = false;
      }
      if (v === null || !Number.isFinite(v)) gap = true;
      else {
        if (minAt < 0 || v < min) {
          min = v;
          minAt = i;
        }
        if (maxAt < 0 || v > max) {
          max = v;
          maxAt = i;
        }
      }
    }
    flush();
    return withGaps(column, gaps);
  });
  return [xs, ...aligned] as uPlot.AlignedData;
}

/**
 * An aligned column of `length` holes, to be given numbers only: a hole reads as `undefined` (no
 * point at that x), and an array of numbers and holes keeps its numbers unboxed (V8's double
 * elements), where one holding `undefined` or null holds each number as an object of its own. At
 * 20 runs that was some 50,000 short-lived objects a chart a live update, and collecting them took
 * 27–32 ms of the longest turns (docs/design-decisions.md). Gaps (null) go in last, on a copy
 * (`withGaps`): V8 learns from the arrays an allocation site made, and once one of them held a
 * null, every later array of that site would start out generic.
 */
function unboxedColumn(length: number): Array<number | null | undefined> {
  return new Array<number | null | undefined>(length);
}

/** Puts `v` at `j` of a column (`unboxedColumn`): a number in it, a gap in `gaps`, the last one written kept. */
function set(column: Array<number | null | undefined>, gaps: number[], j: number, v: number | null): void {
  if (gaps.length && gaps[gaps.length - 1] === j) gaps.pop();
  if (v === null) gaps.push(j);
  else column[j] = v;
}

/** The column with null at `gaps`: itself when there are none, else a copy (see unboxedColumn). */
function withGaps(column: Array<number | null | undefined>, gaps: readonly number[]): Array<number | null | undefined> {
  if (!gaps.length) return column;
  const out = column.slice();
  for (const j of gaps) out[j] = null;
  return out;
}

/** Whether ascending `xs` hold more than `limit` distinct values. */
function distinctMoreThan(xs: readonly number[], limit: number): boolean {
  if (xs.length <= limit) return false;
  let distinct = xs.length ? 1 : 0;
  for (let i = 1; i < xs.length && distinct <= limit; i++) if (xs[i] !== xs[i - 1]) distinct++;
  return distinct > limit;
}

function ascending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!(xs[i] >= xs[i - 1])) return false;
  return true;
}

/** What a chart's x axis shows: the training step, the time since the plotter's first point, or the clock. */
export type XAxisKind = 'step' | 'relative' | 'wall';

/** Whether every series knows when its points were added (outputs of older versions did not record it). */
export function hasTimes(metrics: readonly MetricSeries[], startedAt: number | undefined): boolean {
  return startedAt !== undefined && metrics.length > 0 && metrics.every(m => m.times?.length === m.steps.length);
}

/** A series drawn against time: `steps` holds x (seconds), `trainingSteps` the steps they were logged at. */
export interface TimedSeries extends MetricSeries {
  trainingSteps?: number[];
}

/**
 * The series as a chart draws them on `axis`: x in seconds since the first point (relative) or
 * since the epoch (wall, uPlot's time scale), each point keeping its training step.
 */
export function onXAxis(metrics: MetricSeries[], axis: XAxisKind, startedAt = 0): TimedSeries[] {
  if (axis === 'step') return metrics;
  const origin = axis === 'wall' ? startedAt : 0;
  return metrics.map(m => ({
    ...m,
    steps: (m.times ?? []).map(t => (origin + t) / 1000),
    trainingSteps: m.steps
  }));
}

/** A series as logged (by step), whatever axis it is drawn on. */
export function byStep(m: TimedSeries): MetricSeries {
  if (!m.trainingSteps) return m;
  const { trainingSteps, ...rest } = m;
  return { ...rest, steps: trainingSteps };
}

/**
 * CSV of metrics: a "step" column, a "wall_time" column (seconds since the epoch, as TensorBoard
 * writes it) when the points' times are known, and one column per metric with the raw values; with
 * smoothing on, each metric also gets a "<name> (smoothed)" column with exactly what the chart draws.
 * With runs, each run's rows follow one another, with a "run" column and one column per config key.
 */
export function toCsv(metrics: MetricSeries[], smoothing = 0, startedAt?: number, runs: readonly RunInfo[] = []): string {
  const quote = csvCell;
  const names = [...new Set(metrics.map(m => m.name))];
  const columnNames = names.flatMap(n => (smoothing > 0 ? [n, `${n} (smoothed)`] : [n]));
  const withTime = hasTimes(metrics, startedAt) && metrics.some(m => m.steps.length > 0);
  const configKeys = allConfigKeys(runs);
  const header = ['step', ...(withTime ? ['wall_time'] : []), ...(runs.length ? ['run', ...configKeys] : []), ...columnNames].map(
    quote
  );
  const lines = [header.join(',')];
  const blocks: Array<{ run: RunInfo | null; metrics: MetricSeries[] }> = runs.length
    ? runs.map(r => ({ run: r, metrics: metrics.filter(m => (m.run ?? '') === r.name) }))
    : [{ run: null, metrics }];
  for (const { run, metrics: own } of blocks) {
    if (!own.length) continue;
    const byName = new Map(own.map(m => [m.name, m]));
    // The columns this block has (a run may lack a metric), each with its place in the header.
    const present = names.flatMap((n, k) => {
      const m = byName.get(n);
      if (!m) return [];
      const raw = { place: smoothing > 0 ? 2 * k : k, steps: m.steps, values: m.values };
      return smoothing > 0 ? [raw, { place: 2 * k + 1, steps: m.steps, values: debiasedEma(m.values, smoothing) }] : [raw];
    });
    const data = alignSeries(present);
    const xs = data[0] as ArrayLike<number>;
    // The time of a step: when the first metric of this run that has it recorded it.
    const timeOf = new Map<number, number>();
    if (withTime)
      for (const m of own) m.steps.forEach((step, i) => timeOf.has(step) || timeOf.set(step, (startedAt! + m.times![i]) / 1000));
    const runCells = run ? [quote(runLabel(run.name)), ...configKeys.map(k => configCell(run.config, k))] : [];
    for (let i = 0; i < xs.length; i++) {
      const row = [String(xs[i])];
      if (withTime) row.push(timeOf.has(xs[i]) ? timeOf.get(xs[i])!.toFixed(3) : '');
      row.push(...runCells);
      const cells = new Array<string>(columnNames.length).fill('');
      present.forEach((c, k) => {
        const v = (data[k + 1] as ArrayLike<number | null | undefined>)[i];
        cells[c.place] = v === null || v === undefined ? '' : String(v);
      });
      row.push(...cells);
      lines.push(row.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** A CSV cell: quoted when it holds a quote, a comma or a line break. */
function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function configCell(config: RunConfig, key: string): string {
  const v = config[key];
  return v === undefined ? '' : csvCell(String(v));
}

/** "1.5 MB", "820 kB": sizes as a file browser shows them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** A file name safe for downloads, from a chart title. */
export function fileStem(title: string): string {
  return title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'chart';
}

/** One media name's entries (of one run, or of every run), in step order: what one card shows. */
export interface MediaSeries {
  name: string;
  /** The run; absent: the default run (or every run, with `runs`). */
  run?: string;
  /** A card across runs: its runs, in run order; the card shows a tile per run at the chosen step. */
  runs?: string[];
  kind: MediaEntry['kind'];
  entries: MediaEntry[];
}

/** Media entries grouped by run and name (in order of first appearance), each sorted by step. */
export function groupMedia(media: readonly MediaEntry[]): MediaSeries[] {
  const byName = new Map<string, MediaSeries>();
  for (const e of media) {
    const key = seriesKey(e);
    const s = byName.get(key) ?? { name: e.name, ...(e.run ? { run: e.run } : {}), kind: e.kind, entries: [] };
    s.entries.push(e);
    byName.set(key, s);
  }
  for (const s of byName.values()) s.entries.sort((a, b) => a.step - b.step);
  return [...byName.values()];
}

/**
 * Media entries grouped by name across runs (in order of first appearance), each sorted by step:
 * one card per name, a tile per run (the runs in `runOrder`'s order).
 */
export function groupMediaAcrossRuns(media: readonly MediaEntry[], runOrder: readonly string[]): MediaSeries[] {
  const place = new Map(runOrder.map((r, i) => [r, i]));
  const byName = new Map<string, MediaSeries>();
  for (const e of media) {
    const card = byName.get(e.name) ?? { name: e.name, kind: e.kind, entries: [] };
    card.entries.push(e);
    byName.set(e.name, card);
  }
  return [...byName.values()].map(card => ({
    ...card,
    entries: card.entries.sort((a, b) => a.step - b.step),
    runs: [...new Set(card.entries.map(e => e.run ?? ''))].sort((a, b) => (place.get(a) ?? 0) - (place.get(b) ?? 0))
  }));
}

/** The index of the entry at the largest step ≤ `step` (the first entry when all are later). */
export function entryAtOrBefore(entries: readonly MediaEntry[], step: number): number {
  let found = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i].step <= step) found = i;
  return found;
}

/** A case-insensitive match on names (of metrics, of runs): the filter as a regular expression, or as plain text. */
export function nameFilter(filter: string): (name: string) => boolean {
  try {
    const re = new RegExp(filter, 'i');
    return name => re.test(name);
  } catch {
    const text = filter.toLowerCase();
    return name => name.toLowerCase().includes(text);
  }
}

/** How runs are grouped: not at all, by one config key, or by every config key but `seed`. */
export type RunGrouping = { by: 'none' } | { by: 'key'; key: string } | { by: 'all but seed' };
/** A group's band: its runs' lowest and highest value at each step, or the mean ± one standard deviation. */
export type BandKind = 'min-max' | 'std';

export interface RunGroup {
  /** "lr=0.001", "lr=0.001, optimizer=adam": what the group's runs share. */
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
    const label = shared.length
      ? shared
          .map(([k, v]) => `${k}=${v === undefined ? '—' : typeof v === 'number' ? formatNumberShort(v) : String(v)}`)
          .join(', ')
      : 'all runs';
    const group = groups.get(key) ?? { label, runs: [] };
    group.runs.push(r.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

const formatNumberShort = (v: number): string => String(Number(v.toPrecision(6)));

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
 * The series of grouped runs as charts draw them: per group and metric, the mean (in the group's
 * colour, in the legend), the band's upper and lower edges, and the group's runs faint behind (or
 * not). Averaging comes first and the chart's smoothing after, on the mean and the band alike:
 * smoothing is linear, so the smoothed mean is the mean of the smoothed runs at aligned steps,
 * and the band then shows the spread of what was logged rather than of smoothed curves.
 */
export function groupedSeries(
  metrics: readonly MetricSeries[],
  groups: readonly RunGroup[],
  band: BandKind,
  members: MemberLines,
  palette: readonly string[]
): ChartSeries[] {
  const shared = sharesItsChart(metrics);
  const names = [...new Set(metrics.map(m => m.name))];
  return groups.flatMap((g, gi) => {
    const color = palette[gi % palette.length];
    return names.flatMap(name => {
      const own = metrics.filter(m => m.name === name && g.runs.includes(m.run ?? ''));
      if (!own.length) return [];
      const { mean, lower, upper } = aggregateRuns(own, band);
      const group = `group\u0001${g.label}\u0000${name}`;
      const several = shared(name);
      const label = `${g.label}${g.runs.length > 1 ? ` (${g.runs.length} runs)` : ''}${several ? ` · ${name}` : ''}`;
      const part = (s: MetricSeries, role: NonNullable<ChartSeries['role']>): ChartSeries => ({
        ...s,
        run: `${group}\u0001${role}`,
        label: role === 'mean' ? label : `${label} (${role})`,
        color,
        role,
        group
      });
      const faint =
        members === 'faint' ? own.map(m => ({ ...m, label: runLabel(m.run), color, role: 'member' as const, group })) : [];
      return [...faint, part(upper, 'upper'), part(lower, 'lower'), part(mean, 'mean')];
    });
  });
}

/** A group's last values of one metric across its runs: their mean and standard deviation. */
export function groupLastStats(
  metrics: readonly MetricSeries[],
  group: RunGroup,
  metric: string
): { mean: number; std: number; n: number } | null {
  const lasts: number[] = [];
  for (const m of metrics) {
    if (m.name !== metric || !group.runs.includes(m.run ?? '')) continue;
    for (let i = m.values.length - 1; i >= 0; i--) {
      const v = m.values[i];
      if (v !== null && Number.isFinite(v)) {
        lasts.push(v);
        break;
      }
    }
  }
  if (!lasts.length) return null;
  const mean = lasts.reduce((a, b) => a + b, 0) / lasts.length;
  const std = Math.sqrt(lasts.reduce((a, b) => a + (b - mean) ** 2, 0) / lasts.length);
  return { mean, std, n: lasts.length };
}
