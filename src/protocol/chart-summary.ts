/**
 * A chart said in words: which lines it draws, where each goes (rising, falling or flat), from what
 * to what, and over which range of steps. The text alternative of the panel's charts (read by a
 * screen reader) and of the static fallback's images, so both say the same. docs/usage.md,
 * "Reading the charts without seeing them".
 */
import { formatNumber } from './format';

/** One line of a chart, as it is labelled and drawn. */
export interface DescribedLine {
  label: string;
  steps: ArrayLike<number>;
  values: ArrayLike<number | null | undefined>;
}

/** Lines a summary names one by one; the others are counted. */
export const DESCRIBED_LINES = 8;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The last finite value of a line, and where it is; null for none. */
export function lastFinite(values: ArrayLike<number | null | undefined>): { index: number; value: number } | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (finite(v)) return { index: i, value: v };
  }
  return null;
}

/**
 * Where a line goes: the mean of its last tenth of finite values against the mean of its first
 * tenth, flat when they differ by less than a twentieth of its range (noise is not a trend).
 */
export function trendOf(values: ArrayLike<number | null | undefined>): 'rising' | 'falling' | 'flat' | null {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (finite(v)) xs.push(v);
  }
  if (xs.length < 2) return null;
  const tenth = Math.max(1, Math.floor(xs.length / 10));
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  const change = mean(xs.slice(-tenth)) - mean(xs.slice(0, tenth));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xs) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (Math.abs(change) <= (hi - lo) / 20) return 'flat';
  return change > 0 ? 'rising' : 'falling';
}

/** One line in words: "lr=0.1: falling from 1.04 to 0.0264 (step 0 to step 299), between −0.017 and 1.04". */
function lineInWords(line: DescribedLine, xWords: (x: number) => string): string {
  const last = lastFinite(line.values);
  if (!last) return `${line.label}: no values yet`;
  let first = 0;
  while (!finite(line.values[first])) first++;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < line.values.length; i++) {
    const v = line.values[i];
    if (!finite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const from = line.values[first] as number;
  if (first === last.index) return `${line.label}: ${formatNumber(from)} at ${xWords(line.steps[first])}`;
  return (
    `${line.label}: ${trendOf(line.values)} from ${formatNumber(from)} to ${formatNumber(last.value)} ` +
    `(${xWords(line.steps[first])} to ${xWords(line.steps[last.index])}), between ${formatNumber(lo)} and ${formatNumber(hi)}`
  );
}

/**
 * "Chart of loss, 2 lines. lr=0.1: falling from 1.04 to 0.0264 (step 0 to step 299), between
 * −0.017 and 1.04. lr=0.3: …" — the first DESCRIBED_LINES lines, then how many more.
 */
export function describeChart(title: string, lines: readonly DescribedLine[], xWords: (x: number) => string): string {
  const named = lines.slice(0, DESCRIBED_LINES).map(l => lineInWords(l, xWords));
  const more = lines.length - named.length;
  return (
    [
      `Chart of ${title}, ${lines.length} line${lines.length === 1 ? '' : 's'}`,
      ...named,
      ...(more > 0 ? [`and ${more} more line${more === 1 ? '' : 's'}`] : [])
    ].join('. ') + '.'
  );
}
