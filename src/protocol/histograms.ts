/**
 * Histograms over training steps: a series of distributions (weights, gradients, actions), each
 * step's kept as equal-width bucket counts from its smallest to its largest finite value, NaN and
 * ±Infinity counted apart. What the payload carries of one (columns, as MetricSeries), and what
 * both sides draw of it: TensorBoard's distribution percentiles, read from the buckets.
 */

/** One histogram series of one run, in the payload. */
export interface HistogramSeries {
  name: string;
  /** The run it belongs to; absent: the default run. */
  run?: string;
  /** The steps shown, ascending. */
  steps: number[];
  /** Each step's smallest and largest finite value. */
  mins: number[];
  maxes: number[];
  /** Each step's bucket counts: equal-width buckets from min to max (one bucket when they are equal; none without finite values). */
  counts: number[][];
  /** Each step's NaN, +Infinity and −Infinity counts; absent when no step has any. */
  nonFinite?: Array<[nan: number, posInf: number, negInf: number]>;
  /** Steps the kernel holds; more than steps.length when the payload thinned them. */
  totalSteps: number;
}

/**
 * The percentiles of TensorBoard's distribution view (its compressed histogram's basis points):
 * the minimum, ±1.5, ±1 and ±0.5 standard deviations of a normal distribution, the median, the
 * maximum. Drawn as nested bands around the median.
 */
export const DISTRIBUTION_PERCENTILES = [0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100];

/** The right edge of each bucket of `n` equal-width buckets from min to max. */
export function bucketEdges(min: number, max: number, n: number): number[] {
  if (n <= 1) return [max];
  const width = (max - min) / n;
  return Array.from({ length: n }, (_, k) => (k === n - 1 ? max : min + (k + 1) * width));
}

/**
 * Percentiles of one step's distribution, read from its buckets: linear within a bucket, as if its
 * values were spread evenly over it. null for a step without finite values.
 */
export function percentilesOf(
  min: number,
  max: number,
  counts: readonly number[],
  percentiles = DISTRIBUTION_PERCENTILES
): Array<number | null> {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return percentiles.map(() => null);
  const edges = bucketEdges(min, max, counts.length);
  return percentiles.map(p => {
    if (p <= 0) return min;
    if (p >= 100) return max;
    const target = (p / 100) * total;
    let below = 0;
    for (let k = 0; k < counts.length; k++) {
      if (below + counts[k] >= target && counts[k] > 0) {
        const left = k === 0 ? min : edges[k - 1];
        return left + ((target - below) / counts[k]) * (edges[k] - left);
      }
      below += counts[k];
    }
    return max;
  });
}
