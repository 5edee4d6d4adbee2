/**
 * What every drawing of a plotter output shares — the panel's charts (src/lab/charts) and the static
 * charts of its HTML part (src/kernel/outputs/static-charts.ts) — so that a notebook reads the same
 * wherever it is opened: which metrics share a chart, and the colour of each series and run.
 */

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

/** The chart a metric name belongs to: "<group>/<rest>" share one, any other has its own. */
export function chartGroupKey(name: string): string {
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1 ? name.slice(0, slash) : `\u0000${name}`;
}

/**
 * Metrics named "<group>/<rest>" share a chart per group, as TensorBoard groups tags; any other
 * metric gets a chart of its own, titled by its name. Order follows the order the metrics came.
 */
export function chartGroupsOf<T extends { name: string }>(metrics: readonly T[]): Array<{ title: string; metrics: T[] }> {
  const charts = new Map<string, { title: string; metrics: T[] }>();
  for (const metric of metrics) {
    const key = chartGroupKey(metric.name);
    const chart = charts.get(key) ?? { title: key.startsWith('\u0000') ? metric.name : key, metrics: [] };
    chart.metrics.push(metric);
    charts.set(key, chart);
  }
  return [...charts.values()];
}
