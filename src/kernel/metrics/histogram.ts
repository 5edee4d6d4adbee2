/**
 * A distribution of values as bucket counts, the way TensorBoard keeps one (its HistogramProto:
 * `counts[i]` values in (limits[i-1], limits[i]], the first bucket from -∞): equal-width buckets
 * from the smallest value to the largest, 30 by default as TF2's `tf.summary.histogram`. Values
 * that are not finite have no bucket: they are counted apart.
 */

export interface Histogram {
  min: number;
  max: number;
  /** Finite values. */
  num: number;
  sum: number;
  sumSquares: number;
  /** Each bucket's right edge; the last is `max`. */
  limits: number[];
  counts: number[];
  /** NaN, +Infinity and -Infinity, which no bucket holds. */
  nonFinite: { nan: number; posInf: number; negInf: number };
}

export function histogramOf(values: ArrayLike<number>, buckets = 30): Histogram {
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  const nonFinite = { nan: 0, posInf: 0, negInf: 0 };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
      num++;
      sum += v;
      sumSquares += v * v;
    } else if (Number.isNaN(v)) nonFinite.nan++;
    else if (v > 0) nonFinite.posInf++;
    else nonFinite.negInf++;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, limits: [], counts: [], nonFinite };
  const width = (max - min) / buckets;
  if (width === 0) return { min, max, num, sum, sumSquares, limits: [max], counts: [num], nonFinite };
  const limits = Array.from({ length: buckets }, (_, k) => (k === buckets - 1 ? max : min + (k + 1) * width));
  const counts = new Array<number>(buckets).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    // (limits[k-1], limits[k]]: the first bucket whose right edge is at or past v.
    let k = Math.min(buckets - 1, Math.max(0, Math.ceil((v - min) / width) - 1));
    while (k > 0 && v <= limits[k - 1]) k--;
    while (k < buckets - 1 && v > limits[k]) k++;
    counts[k]++;
  }
  return { min, max, num, sum, sumSquares, limits, counts, nonFinite };
}
