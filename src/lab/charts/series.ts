/**
 * Pure data shaping for the charts: grouping metrics into charts, TensorBoard's debiased EMA,
 * aligning series on one x axis for uPlot, and CSV export. No DOM here, so it is unit-tested plainly.
 */
import uPlot from 'uplot';
import type { MediaEntry, MetricSeries } from '../../protocol';

export interface ChartGroup {
  /** Chart title: the shared prefix ("loss" for "loss/train" and "loss/eval"), or the metric's name. */
  title: string;
  metrics: MetricSeries[];
}

/**
 * Metrics named "<group>/<rest>" share a chart per group, as TensorBoard groups tags; any other
 * metric gets a chart of its own. Order follows the order the metrics were first added.
 */
export function groupMetrics(metrics: MetricSeries[]): ChartGroup[] {
  const groups = new Map<string, ChartGroup>();
  for (const metric of metrics) {
    const slash = metric.name.indexOf('/');
    const key = slash > 0 && slash < metric.name.length - 1 ? metric.name.slice(0, slash) : `\u0000${metric.name}`;
    const title = key.startsWith('\u0000') ? metric.name : key;
    const group = groups.get(key) ?? { title, metrics: [] };
    group.metrics.push(metric);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * TensorBoard's smoothing: an exponential moving average debiased for its zero start, so the first
 * points are not pulled toward 0. `weight` in [0, 1); gaps (null) stay gaps and do not reset it.
 */
export function debiasedEma(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: Array<number | null> = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return out;
}

/** Log scales cannot show values <= 0: those become gaps, and the count is reported. */
export function forLogScale(values: ReadonlyArray<number | null>): { values: Array<number | null>; dropped: number } {
  let dropped = 0;
  const out = values.map(v => {
    if (v !== null && v <= 0) {
      dropped++;
      return null;
    }
    return v;
  });
  return { values: out, dropped };
}

/**
 * One x axis for all series of a chart (uPlot's data layout): the union of their steps, with
 * null where a series has no point at a step. Series that share their steps (the usual case)
 * skip the join.
 */
export function alignSeries(series: Array<{ steps: number[]; values: Array<number | null> }>): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  const first = series[0].steps;
  const same = series.every(
    s => s.steps === first || (s.steps.length === first.length && s.steps.every((x, i) => x === first[i]))
  );
  if (same) return [first, ...series.map(s => s.values)] as uPlot.AlignedData;
  return uPlot.join(series.map(s => [s.steps, s.values] as uPlot.AlignedData));
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
 */
export function toCsv(metrics: MetricSeries[], smoothing = 0, startedAt?: number): string {
  const columns = metrics.flatMap(m =>
    smoothing > 0
      ? [
          { name: m.name, steps: m.steps, values: m.values },
          { name: `${m.name} (smoothed)`, steps: m.steps, values: debiasedEma(m.values, smoothing) }
        ]
      : [{ name: m.name, steps: m.steps, values: m.values }]
  );
  const data = alignSeries(columns);
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  // The time of a step: when the first metric that has it recorded it.
  const timeOf = new Map<number, number>();
  if (hasTimes(metrics, startedAt)) {
    for (const m of metrics)
      m.steps.forEach((step, i) => timeOf.has(step) || timeOf.set(step, (startedAt! + m.times![i]) / 1000));
  }
  const withTime = timeOf.size > 0;
  const lines = [['step', ...(withTime ? ['wall_time'] : []), ...columns.map(c => quote(c.name))].join(',')];
  const xs = data[0] as ArrayLike<number>;
  for (let i = 0; i < xs.length; i++) {
    const row = [String(xs[i])];
    if (withTime) row.push(timeOf.has(xs[i]) ? timeOf.get(xs[i])!.toFixed(3) : '');
    for (let s = 1; s < data.length; s++) {
      const v = (data[s] as ArrayLike<number | null | undefined>)[i];
      row.push(v === null || v === undefined ? '' : String(v));
    }
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
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

/** One media name's entries, in step order: what one card shows. */
export interface MediaSeries {
  name: string;
  kind: MediaEntry['kind'];
  entries: MediaEntry[];
}

/** Media entries grouped by name (in order of first appearance), each sorted by step. */
export function groupMedia(media: readonly MediaEntry[]): MediaSeries[] {
  const byName = new Map<string, MediaSeries>();
  for (const e of media) {
    const s = byName.get(e.name) ?? { name: e.name, kind: e.kind, entries: [] };
    s.entries.push(e);
    byName.set(e.name, s);
  }
  for (const s of byName.values()) s.entries.sort((a, b) => a.step - b.step);
  return [...byName.values()];
}

/** The index of the entry at the largest step ≤ `step` (the first entry when all are later). */
export function entryAtOrBefore(entries: readonly MediaEntry[], step: number): number {
  let found = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i].step <= step) found = i;
  return found;
}
