/**
 * Shared by the kernel (payloads, live detail) and the extension (a live view that grew long).
 *
 * Keeps payloads small: a series longer than `max` points is cut into buckets, and each bucket
 * keeps its smallest and largest value (in step order), so spikes and dips stay visible; the first
 * and the last point are always kept (the latest value is what a live chart's legend shows). Works on
 * indices, so that every column of a series (steps, values, times) follows the same choice.
 */
export function downsampleIndices(values: ReadonlyArray<number | null>, max: number, from = 0, to = values.length): number[] {
  return downsampleWith(i => values[i], max, from, to);
}

/** The same over a column read point by point (the kernel keeps points in typed-array segments). */
export function downsampleWith(valueAt: (i: number) => number | null, max: number, from: number, to: number): number[] {
  const n = to - from;
  if (n <= max) return Array.from({ length: Math.max(0, n) }, (_, i) => from + i);
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const out: number[] = [from];
  for (let b = 0; b < buckets; b++) {
    const start = from + Math.floor((b * n) / buckets);
    const end = from + Math.floor(((b + 1) * n) / buckets);
    const { min: lo, max: hi } = bucketExtremes(valueAt, start, end);
    if (lo < 0)
      out.push(start); // an all-gap bucket stays a gap
    else if (lo === hi) out.push(lo);
    else out.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  out.push(to - 1);
  // The ends may also be a bucket's extreme: each index once, in order.
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

/** The result of bucketExtremes, reused from call to call: charts call it for every column of every series. */
const extremes = { min: -1, max: -1 };

/**
 * The indices of the smallest and the largest value in [start, end), the first of equal ones; -1
 * for both when every value there is a gap (null). What one min/max bucket keeps, for the kernel's
 * downsampling and the charts' grid alike. The object returned is reused by the next call.
 */
export function bucketExtremes(valueAt: (i: number) => number | null, start: number, end: number): { min: number; max: number } {
  let min = -1;
  let max = -1;
  let minValue = 0;
  let maxValue = 0;
  for (let i = start; i < end; i++) {
    const v = valueAt(i);
    if (v === null) continue;
    if (min < 0 || v < minValue) {
      min = i;
      minValue = v;
    }
    if (max < 0 || v > maxValue) {
      max = i;
      maxValue = v;
    }
  }
  extremes.min = min;
  extremes.max = max;
  return extremes;
}

/**
 * Where `x` goes in an ascending column: the first index whose value is ≥ x ('left'), or > x
 * ('right'), as numpy's searchsorted. Steps and times of a series are ascending.
 */
export function searchSorted(column: ArrayLike<number>, x: number, side: 'left' | 'right' = 'left'): number {
  return searchSortedWith(i => column[i], column.length, x, side);
}

/** The same over a column read point by point. */
export function searchSortedWith(at: (i: number) => number, length: number, x: number, side: 'left' | 'right' = 'left'): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = at(mid);
    if (v < x || (side === 'right' && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `most` indices of `n` at most, spread evenly, the first and the last among them (all of them when `n` is no more). */
export function spreadIndexes(n: number, most: number): number[] {
  if (n <= most) return Array.from({ length: n }, (_, i) => i);
  const m = Math.max(2, most);
  return [...new Set(Array.from({ length: m }, (_, i) => Math.round((i * (n - 1)) / (m - 1))))];
}
