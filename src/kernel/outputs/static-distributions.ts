/**
 * The histograms of a plotter output as static distribution charts for its HTML part (beside the
 * static charts, static-charts.ts, and as they are: SVG images, no script): for each series, the
 * bands of TensorBoard's distribution percentiles over the steps around the median line, in its
 * run's colour, as the panel draws them. Within a byte budget at any number of steps.
 */
import { runColours, seriesColor } from '../../protocol/charts';
import { spreadIndexes } from '../../protocol/downsample';
import { formatCount, formatNumber } from '../../protocol/format';
import {
  DISTRIBUTION_PERCENTILES,
  escapeHtml,
  percentilesOf,
  runLabel,
  type HistogramSeries,
  type RunInfo
} from '../../protocol';
import { HEIGHT, WIDTH, chartFrame, dataUri, extent, padded } from './static-charts';

/** Distribution charts drawn at most; an output with more says how many more the panel has. */
export const STATIC_DISTRIBUTIONS = 4;
/** The bands' opacity, outermost (min–max) to innermost (±0.5 standard deviations). */
const BAND_OPACITY = [0.12, 0.2, 0.28, 0.36];
const MEDIAN = DISTRIBUTION_PERCENTILES.indexOf(50);

interface Distribution {
  title: string;
  color: string;
  steps: number[];
  /** The nine percentiles at each step (steps without finite values left out). */
  percentiles: number[][];
}

function distributionOf(h: HistogramSeries, color: string, withRun: boolean): Distribution {
  const steps: number[] = [];
  const percentiles: number[][] = [];
  h.steps.forEach((step, i) => {
    const p = percentilesOf(h.mins[i], h.maxes[i], h.counts[i]);
    if (p.some(v => v === null)) return;
    steps.push(step);
    percentiles.push(p as number[]);
  });
  return { title: withRun ? `${h.name} · ${runLabel(h.run)}` : h.name, color, steps, percentiles };
}

function distributionSvg(d: Distribution, most: number): string {
  const at = spreadIndexes(d.steps.length, most);
  const { head, x, y } = chartFrame(extent(d.steps) ?? [0, 1], padded(extent(d.percentiles.flat()) ?? [0, 1]));
  const xy = (i: number, k: number): string => `${Math.round(x(d.steps[i]))} ${Math.round(y(d.percentiles[i][k]))}`;
  const last = d.percentiles[0].length - 1;
  const bands = BAND_OPACITY.map((opacity, k) => {
    const upper = at.map(i => xy(i, last - k)).join(' ');
    const lower = [...at]
      .reverse()
      .map(i => xy(i, k))
      .join(' ');
    return `<path fill='${d.color}' fill-opacity='${opacity}' d='M${upper} L${lower}Z'/>`;
  });
  const median = `<path fill='none' stroke='${d.color}' stroke-width='1.5' d='M${at.map(i => xy(i, MEDIAN)).join(' ')}'/>`;
  return `${head}${bands.join('')}${median}</svg>`;
}

function distributionHtml(d: Distribution, most: number): string {
  const p = d.percentiles[d.percentiles.length - 1];
  const alt =
    `Distribution of ${d.title} over steps ${formatCount(d.steps[0])} to ${formatCount(d.steps[d.steps.length - 1])}: ` +
    `at the last step the median is ${formatNumber(p[MEDIAN])}, the middle 68% from ${formatNumber(p[2])} to ${formatNumber(p[6])}, ` +
    `all values from ${formatNumber(p[0])} to ${formatNumber(p[8])}.`;
  return (
    `<div style="display:inline-block;vertical-align:top;margin:0 12px 8px 0;max-width:${WIDTH}px">` +
    `<div><b>${escapeHtml(d.title)}</b> <span style="font-size:90%">(distribution)</span></div>` +
    `<img src="${dataUri(distributionSvg(d, most))}" width="${WIDTH}" height="${HEIGHT}" alt="${escapeHtml(alt)}"></div>`
  );
}

/**
 * The payload's histograms as distribution charts in HTML, at most `budgetBytes` long: each with
 * as many of its steps as fit; where even a few do not, the last charts are left out and counted.
 * Empty when there are no histograms.
 */
export function staticDistributions(
  histograms: readonly HistogramSeries[],
  runs: readonly RunInfo[],
  budgetBytes: number
): string {
  const colours = runColours(runs);
  const all = histograms
    .map(h => distributionOf(h, colours.get(h.run ?? '') ?? seriesColor(0), runs.length > 0))
    .filter(d => d.steps.length > 0);
  if (!all.length) return '';
  let shown = all.slice(0, STATIC_DISTRIBUTIONS);
  let most = 100;
  for (;;) {
    const more = all.length - shown.length;
    const note = more ? `<div>… and ${more} more distribution${more === 1 ? '' : 's'} in the panel.</div>` : '';
    const html = `<div>${shown.map(d => distributionHtml(d, most)).join('')}${note}</div>`;
    const bytes = Buffer.byteLength(html);
    if (bytes <= budgetBytes) return html;
    if (most > 8) most = Math.max(8, Math.floor(most * (budgetBytes / bytes) * 0.9));
    else if (shown.length > 1) shown = shown.slice(0, -1);
    else return '';
  }
}
