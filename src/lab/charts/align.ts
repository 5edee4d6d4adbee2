/**
 * One x axis for all series of a chart (uPlot's data layout), merged in one pass where the series
 * ascend, or put on a grid of the chart's width where their x are too many to show.
 */
import uPlot from 'uplot';
import { bucketExtremes } from '../../protocol/downsample';
import { set, unboxedColumn, withGaps } from './columns';

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
  const columnOf = (step: number): number => (step >= hi ? columns : Math.min(columns - 1, Math.floor((step - lo) / width)));
  const aligned = series.map(s => {
    const column = unboxedColumn(xs.length);
    const gaps: number[] = [];
    const { steps, values } = s;
    const valueAt = (i: number): number | null => {
      const v = values[i];
      return v === null || !Number.isFinite(v) ? null : v;
    };
    // Steps ascend: each grid column's points are one run of indices [i, j).
    let i = 0;
    while (i < steps.length) {
      const c = columnOf(steps[i]);
      if (c === columns) {
        for (let k = i; k < steps.length; k++) set(column, gaps, 2 * columns, values[k]); // the last step
        break;
      }
      let j = i + 1;
      while (j < steps.length && columnOf(steps[j]) === c) j++;
      const { min, max } = bucketExtremes(valueAt, i, j);
      if (min < 0)
        gaps.push(2 * c); // only gaps there
      else if (min === max) column[2 * c] = values[min]!;
      else [column[2 * c], column[2 * c + 1]] = [values[Math.min(min, max)]!, values[Math.max(min, max)]!];
      i = j;
    }
    return withGaps(column, gaps);
  });
  return [xs, ...aligned] as uPlot.AlignedData;
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
