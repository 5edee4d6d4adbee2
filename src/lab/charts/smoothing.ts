/**
 * What a chart does to y before drawing it: TensorBoard's debiased smoothing, and the log scale.
 * Both keep an aligned column's holes (columns.ts).
 */
import { unboxedColumn, withGaps } from './columns';

/**
 * TensorBoard's smoothing: an exponential moving average debiased for its zero start, so the first
 * points are not pulled toward 0. `weight` in [0, 1); gaps (null) stay gaps and do not reset it.
 */
export function debiasedEma<T extends null | undefined = null>(
  values: ReadonlyArray<number | T>,
  weight: number
): Array<number | null | T> {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out = unboxedColumn(values.length);
  const gaps: number[] = [];
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // An aligned column's `undefined` (no point at that x) stays a hole (see unboxedColumn), and
    // is no gap either.
    if (v === undefined) continue;
    if (v === null || !Number.isFinite(v)) {
      gaps.push(i);
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return withGaps(out, gaps) as Array<number | null | T>;
}

/** Log scales cannot show values <= 0: those become gaps, and the count is reported. */
export function forLogScale<T extends null | undefined = null>(
  values: ReadonlyArray<number | T>
): { values: Array<number | null | T>; dropped: number } {
  let dropped = 0;
  const out = values.map((v): number | null | T => {
    if (typeof v === 'number' && v <= 0) {
      dropped++;
      return null;
    }
    return v;
  });
  return { values: out, dropped };
}
