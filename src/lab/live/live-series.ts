/**
 * The series a live view draws, fed by the kernel over the comm (src/kernel/live-stream.ts): a
 * snapshot, then only new points. Pure data, no DOM, so it is unit-tested plainly.
 *
 * A view that runs for long would hold every point it was sent; once a series fills its room
 * (1.5 to 2 times `cap` points, see `roomOf`) it is downsampled here to `cap` (min and max
 * per bucket, first and last kept), which keeps every extreme, since the min and max of buckets of
 * min and max are the min and max.
 */
import { CHUNK_STRIDE, runField, seriesKey, type MetricSeries, type SeriesChunk } from '../../protocol';
import { downsampleIndices } from '../../protocol/downsample';

interface Columns {
  name: string;
  run?: string;
  steps: number[];
  values: Array<number | null>;
  times: number[];
  totalPoints: number;
  /** The points it holds before it is downsampled (`roomOf`); its columns have room for them. */
  room: number;
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

/** One chunk as columns (with room to grow: see `columnsOf`). */
export function decodeChunk(
  count: number,
  numbers: Float64Array,
  room = 0,
  spread = 0
): Pick<Columns, 'steps' | 'values' | 'times'> {
  const n = Math.min(count, Math.floor(numbers.length / CHUNK_STRIDE));
  const { steps, values, times } = columnsOf(n, room, spread);
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
    ...runField(c.run),
    totalPoints: c.totalPoints,
    ...decodeChunk(c.count, float64s(buffers[i]))
  }));
}

export class LiveSeries {
  /** By seriesKey (run and name). */
  private readonly series = new Map<string, Columns>();
  /** Series stored so far, snapshots and downsamplings included: each gets its own room. */
  private stored = 0;

  constructor(private readonly cap: number) {}

  /**
   * Applies a snapshot or an event: replaced series start over, the others grow by the points they
   * do not have yet. An appended chunk holds the newest `count` of the `totalPoints` logged, so one
   * computed before the snapshot this series started from (an event already on its way, or meant
   * for another output of the view on this page) overlaps it: only what is past it is new.
   */
  apply(chunks: readonly SeriesChunk[], buffers: ReadonlyArray<ArrayBuffer | ArrayBufferView>): void {
    chunks.forEach((chunk, i) => {
      const key = seriesKey(chunk);
      const known = this.series.get(key);
      if (chunk.replace || !known) {
        const spread = spreadOf(this.stored++);
        const room = roomOf(this.cap, spread);
        this.series.set(key, {
          name: chunk.name,
          ...runField(chunk.run),
          ...decodeChunk(chunk.count, float64s(buffers[i]), room, spread),
          totalPoints: chunk.totalPoints,
          room
        });
        return;
      }
      const part = decodeChunk(chunk.count, float64s(buffers[i]));
      const seen = Math.max(0, known.totalPoints - (chunk.totalPoints - part.steps.length));
      if (seen >= part.steps.length) return; // every point of it is here already
      known.steps.push(...part.steps.slice(seen));
      known.values.push(...part.values.slice(seen));
      known.times.push(...part.times.slice(seen));
      known.totalPoints = chunk.totalPoints;
      if (known.steps.length > known.room) {
        const keep = downsampleIndices(known.values, this.cap);
        const spread = spreadOf(this.stored++);
        known.room = roomOf(this.cap, spread);
        const { steps, values, times } = columnsOf(keep.length, known.room, spread);
        keep.forEach((k, j) => {
          steps[j] = known.steps[k];
          values[j] = known.values[k];
          times[j] = known.times[k];
        });
        Object.assign(known, { steps, values, times });
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
      return { name, ...runField(run), steps, values, times, totalPoints };
    });
  }
}

/**
 * The n-th series stored, as a number spread evenly over [0, 1) (the golden ratio's sequence): each
 * series gets its own room from it (`roomOf`, `columnsOf`). Series of a view grow together, as many
 * points each an update: with one bound they would all be copied in the same update, at 20 runs ×
 * 10 metrics some 15 MB that all outlive the next garbage collection, which then took 20–30 ms of
 * one task (docs/design-decisions.md).
 */
function spreadOf(ordinal: number): number {
  return (ordinal * 0.6180339887498949) % 1;
}

/** How many points a series holds before it is downsampled to `cap`: 1.5 to 2 times `cap` (by its spread). */
function roomOf(cap: number, spread: number): number {
  return cap + Math.ceil(cap * (0.5 + 0.5 * spread));
}

/**
 * Columns of `n` points, to be filled, with room to grow: appending does not move them until they
 * are downsampled (at `room` points), where appending to arrays of their own length would move
 * every series' columns in the same updates (V8 grows a full array by half). V8 keeps an array's
 * room only when its length is more than about half of it: a short series gets room for a part of
 * its length again, by its spread, so that it moves in an update of its own too. One array
 * constructor each: V8 starts a new array as the last ones of its constructor ended up, and a gap
 * (null) in values must not make steps and times generic (see unboxedColumn in
 * src/lab/charts/columns.ts).
 */
function columnsOf(n: number, room: number, spread: number): Pick<Columns, 'steps' | 'values' | 'times'> {
  const size = Math.max(n, room <= 2 * n + 15 ? room : n + Math.ceil((n + 15) * spread));
  const steps = new Array<number>(size);
  const values = new Array<number | null>(size);
  const times = new Array<number>(size);
  steps.length = values.length = times.length = n;
  return { steps, values, times };
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
