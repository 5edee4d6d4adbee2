/**
 * The charts of a plotter output as static images, for its HTML part: what a notebook shows where
 * the extension does not run (VS Code, nbviewer, GitHub, `jupyter nbconvert --to html`, a JupyterLab
 * without it). The same charts as the panel draws (src/protocol/charts.ts: one per chart key,
 * the same colours, numbers formatted as the panel formats them), each an SVG inside an
 * `<img src="data:…">`: no script runs, nothing is fetched, and JupyterLab's HTML sanitizer (which
 * removes inline `<svg>` from untrusted outputs) keeps it. Within a byte budget at any data size.
 * Design: docs/design-decisions.md, "Outputs that read anywhere".
 */
import { chartsOf, colourByRun, runColours, seriesColor } from '../../protocol/charts';
import { describeChart, lastFinite } from '../../protocol/chart-summary';
import { downsampleWith } from '../../protocol/downsample';
import { formatCount, formatNumber, formatTicks, niceTicks } from '../../protocol/format';
import { escapeHtml, type MetricSeries, type RunInfo } from '../../protocol';

/** Charts drawn at most; an output with more says how many more the panel has. */
export const STATIC_CHARTS = 8;
/** Series named in one chart's legend at most (a sweep's chart may hold hundreds). */
const LEGEND_ENTRIES = 10;

export const WIDTH = 360;
export const HEIGHT = 200;
const LEFT = 52;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 26;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;
/** A line needs no more than two points a pixel column (a bucket's min and max). */
const MAX_POINTS = 2 * PLOT_W;
/** What one point of a line takes in the SVG ("123 45 "), for the first guess of how many fit. */
const POINT_BYTES = 8;
/** What a chart takes besides its lines: the frame, axes, ticks, title and legend. */
const CHART_BYTES = 1_800;

interface Line {
  label: string;
  color: string;
  series: MetricSeries;
}

interface Chart {
  title: string;
  lines: Line[];
}

/** The payload's series as lines in charts: coloured by run as the panel does with runs, by place in the chart otherwise. */
function chartLines(metrics: readonly MetricSeries[], runs: readonly RunInfo[]): Chart[] {
  const lines = runs.length ? colourByRun(metrics, runColours(runs)) : metrics.map(m => ({ ...m, label: m.name, color: '' }));
  return chartsOf(lines).map(({ title, metrics: inChart }) => ({
    title,
    lines: inChart.map(({ label, color, ...series }, i) => ({ series, label, color: color || seriesColor(i) }))
  }));
}

/** The extent of the finite numbers, widened where it is a single value. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

function* finiteValues(lines: readonly Line[]): Generator<number> {
  for (const { series } of lines) for (const v of series.values) if (v !== null && Number.isFinite(v)) yield v;
}

function* stepsOf(lines: readonly Line[]): Generator<number> {
  for (const { series } of lines) for (const step of series.steps) yield step;
}

/** A line's path ("M x y x y …", a new M after each gap), from at most `points` of its points. */
function pathOf(s: MetricSeries, points: number, x: (v: number) => number, y: (v: number) => number): string {
  const keep = downsampleWith(i => s.values[i], points, 0, s.steps.length);
  let d = '';
  let pen = false;
  let last = '';
  for (const i of keep) {
    const v = s.values[i];
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const xy = `${Math.round(x(s.steps[i]))} ${Math.round(y(v))}`;
    if (pen && xy === last) continue; // the same pixel again
    d += pen ? ` ${xy}` : `${d ? ' ' : ''}M${xy}`;
    pen = true;
    last = xy;
  }
  return d;
}

/** A chart's frame, grid and ticks for x and y ranges, and where a value is drawn; its content goes after `head`, then `</svg>`. */
export function chartFrame(
  xs: readonly [number, number],
  ys: readonly [number, number]
): { head: string; x: (v: number) => number; y: (v: number) => number } {
  const x = (v: number): number => LEFT + ((v - xs[0]) / (xs[1] - xs[0])) * PLOT_W;
  const y = (v: number): number => TOP + PLOT_H - ((v - ys[0]) / (ys[1] - ys[0])) * PLOT_H;
  const yTicks = niceTicks(ys[0], ys[1], 4);
  const xTicks = niceTicks(xs[0], xs[1], 5).filter(t => Number.isInteger(t) || xs[1] - xs[0] < 5);
  const yLabels = formatTicks(yTicks);
  const xLabels = formatTicks(xTicks);
  const head = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${HEIGHT}' viewBox='0 0 ${WIDTH} ${HEIGHT}'>`,
    `<rect width='${WIDTH}' height='${HEIGHT}' fill='#fff'/>`,
    `<g stroke='#e4e4e4'>`,
    ...yTicks.map(t => `<path d='M${LEFT} ${Math.round(y(t))}h${PLOT_W}'/>`),
    `</g><path d='M${LEFT} ${TOP}v${PLOT_H}h${PLOT_W}' stroke='#999' fill='none'/>`,
    `<g font-family='sans-serif' font-size='10' fill='#555'><g text-anchor='end'>`,
    ...yTicks.map((t, i) => `<text x='${LEFT - 4}' y='${Math.round(y(t)) + 3}'>${escapeHtml(yLabels[i])}</text>`),
    `</g><g text-anchor='middle'>`,
    ...xTicks.map((t, i) => `<text x='${Math.round(x(t))}' y='${TOP + PLOT_H + 13}'>${escapeHtml(xLabels[i])}</text>`),
    `</g><text x='${LEFT + PLOT_W}' y='${HEIGHT - 2}' text-anchor='end'>step</text></g>`
  ].join('');
  return { head, x, y };
}

/** A value range drawn clear of the frame: widened by 4% each way. */
export function padded([lo, hi]: readonly [number, number]): [number, number] {
  return [lo - (hi - lo) * 0.04, hi + (hi - lo) * 0.04];
}

/** One chart as SVG: its frame, grid, ticks and lines. */
function chartSvg(chart: Chart, points: number): string {
  const xs = extent(stepsOf(chart.lines)) ?? [0, 1];
  const { head, x, y } = chartFrame(xs, padded(extent(finiteValues(chart.lines)) ?? [0, 1]));
  const parts = [
    head,
    `<g fill='none' stroke-width='1.5' stroke-linejoin='round'>`,
    ...chart.lines.map(l => `<path stroke='${l.color}' d='${pathOf(l.series, points, x, y)}'/>`),
    '</g></svg>'
  ];
  return parts.join('');
}

/** The SVG as an image source: percent-encoded where a URL or an HTML attribute needs it, not base64. */
export function dataUri(svg: string): string {
  return `data:image/svg+xml,${svg.replace(/[%#<>"\u0080-\uffff]/g, c => encodeURIComponent(c))}`;
}

function chartHtml(chart: Chart, points: number): string {
  // The panel's charts say the same (src/protocol/chart-summary.ts).
  const alt = describeChart(
    chart.title,
    chart.lines.map(l => ({ label: l.label, steps: l.series.steps, values: l.series.values })),
    x => `step ${formatCount(Math.round(x))}`
  );
  const legend = chart.lines
    .slice(0, LEGEND_ENTRIES)
    .map(
      l =>
        `<span style="white-space:nowrap"><span style="color:${l.color}">&#9632;</span> ${escapeHtml(l.label)} ` +
        `<b>${formatNumber(lastFinite(l.series.values)?.value ?? null)}</b></span>`
    )
    .join(' &nbsp; ');
  const more = chart.lines.length > LEGEND_ENTRIES ? ` &nbsp; … and ${chart.lines.length - LEGEND_ENTRIES} more` : '';
  return (
    `<div style="display:inline-block;vertical-align:top;margin:0 12px 8px 0;max-width:${WIDTH}px">` +
    `<div><b>${escapeHtml(chart.title)}</b></div>` +
    `<img src="${dataUri(chartSvg(chart, points))}" width="${WIDTH}" height="${HEIGHT}" alt="${escapeHtml(alt)}">` +
    `<div style="font-size:90%">${legend}${more}</div></div>`
  );
}

/**
 * The charts of the payload's metrics as HTML, at most `budgetBytes` long: each line gets as many
 * of its points (min and max of each bucket kept) as fit, at most two a pixel column; where even two
 * a line do not fit, the last charts are left out and counted. Empty when there are no metrics.
 */
export function staticCharts(metrics: readonly MetricSeries[], runs: readonly RunInfo[], budgetBytes: number): string {
  const all = chartLines(metrics, runs);
  if (!all.length) return '';
  let shown = all.slice(0, STATIC_CHARTS);
  const render = (charts: Chart[], points: number): string => {
    const more = all.length - charts.length;
    const note = more ? `<div>… and ${more} more chart${more === 1 ? '' : 's'} in the panel.</div>` : '';
    return `<div>${charts.map(c => chartHtml(c, points)).join('')}${note}</div>`;
  };
  const lines = (charts: Chart[]): number => charts.reduce((n, c) => n + c.lines.length, 0);
  let points = Math.min(MAX_POINTS, Math.floor((budgetBytes - shown.length * CHART_BYTES) / POINT_BYTES / lines(shown)));
  for (;;) {
    points = Math.max(2, points);
    const html = render(shown, points);
    const bytes = Buffer.byteLength(html);
    if (bytes <= budgetBytes) return html;
    if (points > 2) points = Math.floor(points * (budgetBytes / bytes) * 0.95);
    else if (shown.length > 1) shown = shown.slice(0, -1);
    else return render([], 2);
  }
}
