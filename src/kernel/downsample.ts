/**
 * Keeps the notebook payload small: a series longer than `max` points is cut into buckets, and each
 * bucket keeps its smallest and largest value (in step order), so spikes and dips stay visible.
 */
export function downsampleSeries(
  steps: readonly number[],
  values: ReadonlyArray<number | null>,
  max: number
): { steps: number[]; values: Array<number | null> } {
  const n = steps.length;
  if (n <= max) return { steps: steps.slice(), values: values.slice() };
  const buckets = Math.floor(max / 2);
  const outSteps: number[] = [];
  const outValues: Array<number | null> = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    if (lo < 0) {
      outSteps.push(steps[from]); // an all-gap bucket stays a gap
      outValues.push(null);
      continue;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      outSteps.push(steps[i]);
      outValues.push(values[i]);
    }
  }
  return { steps: outSteps, values: outValues };
}
