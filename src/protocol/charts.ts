/**
 * What every drawing of a plotter output shares — the panel's charts (src/lab/charts) and the static
 * charts of its HTML part (src/kernel/outputs/static-charts.ts) — so that a notebook reads the same
 * wherever it is opened: which metrics share a chart, and the colour of each series and run.
 */
import { runLabel, runOf } from './runs';

/**
 * Tableau 10, with its five lightest (orange, teal, yellow, pink, grey) darkened to the same hues:
 * every colour has a contrast of at least 3:1 (WCAG 2.2's non-text contrast) against white, the
 * light theme's and the static charts' background, and against #111111, the dark theme's.
 */
export const SERIES_COLORS = [
  '#4e79a7',
  '#df760e',
  '#e15759',
  '#539d97',
  '#59a14f',
  '#b18e11',
  '#b07aa1',
  '#e0609f',
  '#9c755f',
  '#9d8f89'
];

/** Relative luminance of a #rrggbb colour (WCAG 2.2). */
export function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** The contrast ratio of two #rrggbb colours (WCAG 2.2), from 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

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
