/**
 * One series' points, compactly: typed-array segments instead of JavaScript arrays (a number in a
 * plain array that also holds gaps is a boxed heap object, about 64 bytes a point with the steps
 * and times; here 12 to 16). See docs/design-decisions.md, "Points in the kernel".
 *
 *   segment  steps   none while they count up by one from the segment's first step (what a loop
 *                    logging every step gives), then Uint32 offsets from it (Float64 once one does
 *                    not fit: fractional, or 2^32 past it)
 *            times   Uint32 ms after the segment's first time (Float64 likewise)
 *            values  Float64, NaN for a gap (the store records non-finite values as gaps)
 *
 * Segments fill up to SEGMENT_POINTS and are then sealed; the open one grows by doubling from a
 * small start, so a plotter of thousands of short series stays small. A plotter over its memory
 * bound merges sealed segments into min/max buckets (`mergeDetail`, `mergeMerged`): the merged
 * points are a prefix of the series and stay real points (each bucket's smallest and largest value
 * at their own step and time), so every reader goes on working, with less detail there.
 */
import { downsampleWith } from '../../protocol/downsample';

/** Points a sealed segment holds (12 to 16 bytes each: 96 to 128 kB), unless its store is over its bound. */
export const SEGMENT_POINTS = 8192;
/** The smallest segment a store over its bound seals (`segmentPoints`). */
export const MIN_SEGMENT_POINTS = 64;
/** Points a new segment has room for before it first grows. */
const FIRST_CAPACITY = 64;
const UINT32_MAX = 0xffffffff;

interface Segment {
  length: number;
  stepBase: number;
  /** Null while step j is stepBase + j. */
  steps: Uint32Array | Float64Array | null;
  timeBase: number;
  times: Uint32Array | Float64Array;
  values: Float64Array;
}

/** An offset column that keeps `x - base` in a Uint32Array while it fits, and absolute numbers after. */
function fits(column: Uint32Array | Float64Array, offset: number): boolean {
  return column instanceof Float64Array || (offset >= 0 && offset <= UINT32_MAX && Number.isInteger(offset));
}

/** The step column a segment of counted steps would have had. */
function counted(length: number, capacity: number): Uint32Array {
  const out = new Uint32Array(capacity);
  for (let j = 0; j < length; j++) out[j] = j;
  return out;
}

function absolute(column: Uint32Array, base: number, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  for (let i = 0; i < column.length && i < capacity; i++) out[i] = column[i] + base;
  return out;
}

/** A column of `capacity`, of the same type, holding `column`'s values at its start. */
export function grown<T extends Uint32Array | Float64Array>(column: T, capacity: number): T {
  const out = new (column.constructor as new (n: number) => T)(capacity);
  out.set(column);
  return out;
}

function newSegment(capacity: number, step: number, time: number): Segment {
  return {
    length: 0,
    stepBase: step,
    steps: null,
    timeBase: time,
    times: new Uint32Array(capacity),
    values: new Float64Array(capacity)
  };
}

/** Appends a point to a segment with room, widening its step or time column when an offset does not fit. */
function write(seg: Segment, step: number, value: number | null, time: number): boolean {
  let widened = false;
  if (seg.steps === null && step !== seg.stepBase + seg.length) {
    seg.steps = counted(seg.length, seg.values.length);
    widened = true;
  }
  if (seg.steps !== null && !fits(seg.steps, step - seg.stepBase)) {
    seg.steps = absolute(seg.steps as Uint32Array, seg.stepBase, seg.values.length);
    seg.stepBase = 0;
    widened = true;
  }
  if (!fits(seg.times, time - seg.timeBase)) {
    seg.times = absolute(seg.times as Uint32Array, seg.timeBase, seg.values.length);
    seg.timeBase = 0;
    widened = true;
  }
  if (seg.steps !== null) seg.steps[seg.length] = step - seg.stepBase;
  seg.times[seg.length] = time - seg.timeBase;
  seg.values[seg.length] = value === null ? NaN : value;
  seg.length++;
  return widened;
}

function segmentBytes(s: Segment): number {
  return (s.steps?.byteLength ?? 0) + s.times.byteLength + s.values.byteLength;
}

export class SeriesPoints {
  private segments: Segment[] = [];
  /** Index of each segment's first point. */
  private starts: number[] = [];
  private total = 0;
  /** The last segment a read found (reads are mostly in order). */
  private hit = 0;
  /** Points at the front that are merged buckets, and how many logged points they stand for. */
  private merged = { points: 0, logged: 0 };
  private byteCount = 0;
  /**
   * Points a segment is sealed at. A store over its memory bound lowers it: an open segment is
   * not merged, and a thousand series' open segments of SEGMENT_POINTS (96 kB each) would be more
   * than a 64 MB bound on their own.
   */
  segmentPoints = SEGMENT_POINTS;

  /** Points kept. */
  get length(): number {
    return this.total;
  }

  /** Points logged (more than kept once older ones were merged into buckets). */
  get logged(): number {
    return this.merged.logged + this.total - this.merged.points;
  }

  /** The first this many points are merged buckets. */
  get mergedPoints(): number {
    return this.merged.points;
  }

  /** Logged points that the merged buckets stand for. */
  get mergedLogged(): number {
    return this.merged.logged;
  }

  /** Bytes the typed arrays take (kept up to date as segments come, grow, widen and go). */
  get bytes(): number {
    return this.byteCount;
  }

  private recount(): void {
    this.byteCount = 0;
    for (const s of this.segments) this.byteCount += segmentBytes(s);
  }

  /** Appends a point; its step is not before the last one's (the store cuts a resumed run first). */
  push(step: number, value: number | null, time: number): void {
    let seg = this.segments[this.segments.length - 1];
    let grew = false;
    let before = 0;
    const cap = this.segmentPoints;
    const open = seg && this.starts[this.starts.length - 1] >= this.merged.points && seg.length < cap;
    if (!open) {
      // A series that filled a segment is a long one: its next segments start at their full size.
      seg = newSegment(this.total - this.merged.points >= cap ? cap : Math.min(cap, FIRST_CAPACITY), step, time);
      this.segments.push(seg);
      this.starts.push(this.total);
      grew = true;
    } else {
      before = segmentBytes(seg);
      if (seg.length === seg.values.length) {
        const capacity = Math.min(cap, seg.values.length * 2);
        if (seg.steps !== null) seg.steps = grown(seg.steps, capacity);
        seg.times = grown(seg.times, capacity);
        seg.values = grown(seg.values, capacity);
        grew = true;
      }
    }
    const widened = write(seg, step, value, time);
    this.total++;
    // Counted by the change to this segment alone: a series over its bound has many small ones.
    if (grew || widened) this.byteCount += segmentBytes(seg) - before;
  }

  /** The segment holding point i, and i's index in it. */
  private locate(i: number): [Segment, number] {
    let k = this.hit;
    if (!(k < this.segments.length && this.starts[k] <= i && i < this.starts[k] + this.segments[k].length)) {
      let lo = 0;
      let hi = this.segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.starts[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      this.hit = k = lo;
    }
    return [this.segments[k], i - this.starts[k]];
  }

  step(i: number): number {
    const [s, j] = this.locate(i);
    return (s.steps === null ? j : s.steps[j]) + s.stepBase;
  }

  value(i: number): number | null {
    const [s, j] = this.locate(i);
    const v = s.values[j];
    return Number.isNaN(v) ? null : v;
  }

  time(i: number): number {
    const [s, j] = this.locate(i);
    return s.times[j] + s.timeBase;
  }

  readonly valueAt = (i: number): number | null => this.value(i);
  readonly stepAt = (i: number): number => this.step(i);
  readonly timeAt = (i: number): number => this.time(i);

  /** Keeps the first `keep` points (a resumed run's abandoned steps go). */
  truncate(keep: number): void {
    keep = Math.max(0, Math.min(keep, this.total));
    if (keep < this.merged.points) {
      this.merged.logged = Math.round((this.merged.logged * keep) / this.merged.points);
      this.merged.points = keep;
    }
    while (this.segments.length && this.starts[this.starts.length - 1] >= keep) {
      this.segments.pop();
      this.starts.pop();
    }
    const last = this.segments[this.segments.length - 1];
    if (last) last.length = keep - this.starts[this.starts.length - 1];
    this.total = keep;
    this.hit = 0;
    this.recount();
  }

  /** Points that are full detail in sealed segments (what `mergeDetail` may merge). */
  private get sealedDetail(): number {
    const last = this.segments[this.segments.length - 1];
    const openFrom = last && last.length < this.segmentPoints ? this.starts[this.starts.length - 1] : this.total;
    return Math.max(0, openFrom - this.merged.points);
  }

  /**
   * Merges the oldest `share` of the sealed full-detail points (whole segments' worth) into buckets of
   * `bucket` points (min and max kept); the newest points stay as logged.
   */
  mergeDetail(bucket: number, share: number): void {
    const sealed = this.sealedDetail;
    if (sealed <= 0) return;
    const from = this.merged.points;
    // Whole segments from the first of the detail, until they hold the share (segments differ in size).
    let k = this.starts.indexOf(from);
    if (k < 0) return; // the merged prefix ends on a segment boundary: cannot happen
    let end = from;
    while (end - from < sealed * share && end - from < sealed) end += this.segments[k++].length;
    this.mergeRange(from, end, this.merged.logged + (end - from), bucket);
  }

  /** Merges the already merged points again, into buckets of `bucket` of them. */
  mergeMerged(bucket: number): void {
    if (this.merged.points > 2) this.mergeRange(0, this.merged.points, this.merged.logged, bucket);
  }

  /**
   * Points [from, end) (both segment boundaries) become min/max buckets in segments of their own,
   * which end the merged prefix, standing for `logged` logged points; the segments before and after
   * stay as they are (merging never copies the detail it keeps).
   */
  private mergeRange(from: number, end: number, logged: number, bucket: number): void {
    const first = this.starts.indexOf(from);
    const after = end === this.total ? this.segments.length : this.starts.indexOf(end);
    if (first < 0 || after < 0) return; // not segment boundaries: cannot happen (see mergeDetail)
    let kept = downsampleWith(this.valueAt, 2 * Math.ceil((end - from) / bucket) + 2, from, end);
    // Buckets go on the end of the merged segment before them while it has room: merging a little at
    // a time (many series, a small bound) would otherwise leave a segment of a few points each time.
    let start = first;
    const before = this.segments[first - 1];
    if (before && before.length + kept.length <= SEGMENT_POINTS) {
      start = first - 1;
      const at = this.starts[start];
      kept = [...Array.from({ length: before.length }, (_, j) => at + j), ...kept];
    }
    const packed: Segment[] = [];
    for (let k = 0; k < kept.length; k += SEGMENT_POINTS) {
      const n = Math.min(SEGMENT_POINTS, kept.length - k);
      const seg = newSegment(n, this.step(kept[k]), this.time(kept[k]));
      for (let j = k; j < k + n; j++) write(seg, this.step(kept[j]), this.value(kept[j]), this.time(kept[j]));
      packed.push(seg);
    }
    this.segments.splice(start, after - start, ...packed);
    this.starts = [];
    this.total = 0;
    for (const seg of this.segments) {
      this.starts.push(this.total);
      this.total += seg.length;
    }
    this.merged = { points: this.starts[start] + kept.length, logged };
    this.hit = 0;
    this.recount();
  }
}
