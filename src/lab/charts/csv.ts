/** A chart's (or every chart's) data as CSV, as TensorBoard writes its columns. */
import { runLabel, runOf, type MetricSeries, type RunConfig, type RunInfo } from '../../protocol';
import { alignSeries } from './align';
import { allConfigKeys } from '../runs/configs';
import { debiasedEma } from './smoothing';
import { hasTimes } from './x-axis';

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
    ? runs.map(r => ({ run: r, metrics: metrics.filter(m => runOf(m) === r.name) }))
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
export function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function configCell(config: RunConfig, key: string): string {
  const v = config[key];
  return v === undefined ? '' : csvCell(String(v));
}
