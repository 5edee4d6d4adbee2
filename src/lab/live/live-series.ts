/**
 * The series a live view draws, fed by the kernel over the comm (src/kernel/live-stream.ts): a
 * snapshot, then only new points. Pure data, no DOM, so it is unit-tested plainly.
 *
 * A view that runs for long would hold every point it was sent; once a series is twice `cap`
 * points long it is downsampled here to `cap` (min and max per bucket, first and last kept), which
 * keeps every extreme, since the min and max of buckets of min and max are the min and max.
 */
import { CHUNK_STRIDE, seriesKey, type MetricSeries, type SeriesChunk } from '../../protocol';
import { downsampleIndices } from '../../protocol/downsample';

interface Columns {
  name: string;
  run?: string;
  steps: number[];
  values: Array<number | null>;
  times: number[];
  totalPoints: number;
}

/** The Float64 numbers of one buffer, copied (a message's buffers need not be 8-byte aligned). */
export function float64s(buffer: ArrayBuffer | ArrayBufferView | undefined): Float64Array {
  if (!buffer) return new Float64Array(0);
  const bytes = ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new Uint8Array(buffer);
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 8));
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Float64Array(copy.buffer);
}

/** One chunk as columns. */
export function decodeChunk(count: number, numbers: Float64Array): Pick<Columns, 'steps' | 'values' | 'times'> {
  const n = Math.min(count, Math.floor(numbers.length / CHUNK_STRIDE));
  const steps = new Array<number>(n);
  const values = new Array<number | null>(n);
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    steps[i] = numbers[i * CHUNK_STRIDE];
    const v = numbers[i * CHUNK_STRIDE + 1];
    values[i] = Number.isNaN(v) ? null : v;
    times[i] = numbers[i * CHUNK_STRIDE + 2];
  }
  return { steps, values, times };
}

/** Series decoded from chunks (a range reply), each with its run. */
export function decodeChunks(
  chunks: readonly SeriesChunk[],
  buffers: ReadonlyArray<ArrayBuffer | ArrayBufferView>
): MetricSeries[] {
  return chunks.map((c, i) => ({
    name: c.name,
    ...(c.run ? { run: c.run } : {}),
    totalPoints: c.totalPoints,
    ...decodeChunk(c.count, float64s(buffers[i]))
  }));
}

export class LiveSeries {
  /** By seriesKey (run and name). */
  private readonly series = new Map<string, Columns>();

  constructor(private readonly cap: number) {}

  /**
   * Applies a snapshot or an event: replaced series start over, the others grow by the points they
   * do not have yet. An appended chunk holds the newest `count` of the `totalPoints` logged, so one
   * computed before the snapshot this series started from (an event already on its way, or meant
   * for another output of the view on this page) overlaps it: only what is past it is new.
   */
  apply(chunks: readonly SeriesChunk[], buffers: ReadonlyArray<ArrayBuffer | ArrayBufferView>): void {
    chunks.forEach((chunk, i) => {
      const part = decodeChunk(chunk.count, float64s(buffers[i]));
      const key = seriesKey(chunk);
      const known = this.series.get(key);
      if (chunk.replace || !known) {
        this.series.set(key, {
          name: chunk.name,
          ...(chunk.run ? { run: chunk.run } : {}),
          ...part,
          totalPoints: chunk.totalPoints
        });
        return;
      }
      const seen = Math.max(0, known.totalPoints - (chunk.totalPoints - part.steps.length));
      if (seen >= part.steps.length) return; // every point of it is here already
      known.steps.push(...part.steps.slice(seen));
      known.values.push(...part.values.slice(seen));
      known.times.push(...part.times.slice(seen));
      known.totalPoints = chunk.totalPoints;
      if (known.steps.length > 2 * this.cap) {
        const keep = downsampleIndices(known.values, this.cap);
        known.steps = keep.map(k => known.steps[k]);
        known.values = keep.map(k => known.values[k]);
        known.times = keep.map(k => known.times[k]);
      }
    });
  }

  get size(): number {
    return this.series.size;
  }

  /**
   * What a live view draws: the streamed series, in the payload's order (the order metrics were
   * first added), then any the payload left out (it has a byte budget; the stream has none of
   * names). A series the payload holds more recent points of (the stream stopped: the kernel could
   * not send) is drawn from the payload.
   */
  metrics(payload: readonly MetricSeries[]): MetricSeries[] {
    const saved = new Map(payload.map(m => [seriesKey(m), m]));
    const keys = [...saved.keys(), ...[...this.series.keys()].filter(k => !saved.has(k))];
    return keys.map(key => {
      const s = this.series.get(key);
      const fallback = saved.get(key);
      if (!s || (fallback && fallback.totalPoints > s.totalPoints)) return fallback!;
      const { name, run, steps, values, times, totalPoints } = s;
      return { name, ...(run ? { run } : {}), steps, values, times, totalPoints };
    });
  }
}

/**
 * A series with the points of `detail` (a range the kernel sent in full detail) in place of its
 * own between the detail's first and last step.
 */
export function withDetail(base: MetricSeries, detail: MetricSeries | undefined): MetricSeries {
  if (!detail || detail.steps.length === 0) return base;
  const first = detail.steps[0];
  const last = detail.steps[detail.steps.length - 1];
  let from = 0;
  while (from < base.steps.length && base.steps[from] < first) from++;
  let to = from;
  while (to < base.steps.length && base.steps[to] <= last) to++;
  const cut = <T>(column: readonly T[] | undefined, inner: readonly T[] | undefined): T[] => [
    ...(column ?? []).slice(0, from),
    ...(inner ?? []),
    ...(column ?? []).slice(to)
  ];
  return {
    ...base,
    steps: cut(base.steps, detail.steps),
    values: cut(base.values, detail.values),
    times: base.times && detail.times ? cut(base.times, detail.times) : undefined
  };
}
