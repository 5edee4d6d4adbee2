/**
 * What every drawing of a plotter output shares — the panel's charts (src/lab/charts) and the static
 * charts of its HTML part (src/kernel/outputs/static-charts.ts) — so that a notebook reads the same
 * wherever it is opened: which metrics share a chart, and the colour of each series and run.
 */
import { runLabel, runOf } from './runs';

/** Tableau 10: distinct in light and dark themes. */
export const SERIES_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
];

/** The colour of the `index`-th series of a chart, or of the `index`-th run of a plotter. */
export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

/** The chart a metric name belongs to: "<prefix>/<rest>" share one, any other has its own. */
export function chartIdOf(name: string): string {
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1 ? name.slice(0, slash) : `\u0000${name}`;
}

/**
 * Metrics named "<prefix>/<rest>" share a chart per prefix, as TensorBoard groups tags; any other
 * metric gets a chart of its own, titled by its name. Order follows the order the metrics came.
 */
export function chartsOf<T extends { name: string }>(metrics: readonly T[]): Array<{ title: string; metrics: T[] }> {
  const charts = new Map<string, { title: string; metrics: T[] }>();
  for (const metric of metrics) {
    const key = chartIdOf(metric.name);
    const chart = charts.get(key) ?? { title: key.startsWith('\u0000') ? metric.name : key, metrics: [] };
    chart.metrics.push(metric);
    charts.set(key, chart);
  }
  return [...charts.values()];
}

/** Whether a metric name shares its chart with other metric names (its labels then name it). */
export function sharesItsChart(metrics: ReadonlyArray<{ name: string }>): (name: string) => boolean {
  const namesPerChart = new Map<string, Set<string>>();
  for (const m of metrics) namesPerChart.set(chartIdOf(m.name), (namesPerChart.get(chartIdOf(m.name)) ?? new Set()).add(m.name));
  return name => (namesPerChart.get(chartIdOf(name))?.size ?? 1) > 1;
}

/**
 * The colour of each run, by name: from its place among the plotter's runs, or, while runs are
 * grouped, from its group's place among the groups (every run of a group drawn in the group's
 * colour). The one answer for the charts, the runs table, the media tiles and the static charts.
 */
export function runColours(
  runs: ReadonlyArray<{ name: string }>,
  groups: ReadonlyArray<{ runs: readonly string[] }> | null = null
): Map<string, string> {
  const colours = new Map(runs.map((r, i) => [r.name, seriesColor(i)]));
  groups?.forEach((g, i) => g.runs.forEach(run => colours.set(run, seriesColor(i))));
  return colours;
}

/**
 * The series of several runs as charts draw them: each keeps its metric's chart (so runs overlay),
 * is coloured by its run (`colours`, from runColours), and is labelled by its run (and its metric,
 * where a chart holds several).
 */
export function colourByRun<T extends { name: string; run?: string }>(
  metrics: readonly T[],
  colours: ReadonlyMap<string, string>
): Array<T & { label: string; color: string }> {
  const shared = sharesItsChart(metrics);
  return metrics.map(m => {
    const run = runOf(m);
    return {
      ...m,
      label: shared(m.name) ? `${runLabel(run)} · ${m.name}` : runLabel(run),
      color: colours.get(run) ?? seriesColor(0)
    };
  });
}
