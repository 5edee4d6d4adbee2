/**
 * Live detail for the extension's views, over its comm (see src/protocol). The displayed output is
 * small because a notebook saves it; a live view subscribes instead, gets a snapshot of every series
 * (downsampled to what it can draw, min and max kept), and from then on only the points added since
 * the last event, as binary buffers. A view that zooms asks for a range in full detail.
 *
 *   subscriber (comm, view) ── cursor per series (run and name): points sent, cuts seen
 *      push(): new points since `sent`          -> appended in the view
 *              a cut (resumed run) or a backlog -> the series anew, downsampled (`replace`)
 *
 * A one-way kernel (Deno's: no page can subscribe) pushes instead: one subscriber for every view of
 * the plotter, on a channel every page of the kernel reads, which gets every series anew (a
 * `snapshot`) first, every PUSHED_SNAPSHOT_EVERY_MS, and once the points stop (`settle`), so that a
 * page that came later catches up — one whose output rendered after the first event too.
 */
import { CHUNK_STRIDE, PUSHED_SNAPSHOT_EVERY_MS, type KernelEvent, type RangeAxis, type SeriesChunk } from '../../protocol';
import { downsampleWith, searchSortedWith } from '../../protocol/downsample';
import type { PageComm } from '../host/page-comm';
import type { MetricsStore, Series } from '../metrics/store';

/** A snapshot's points across all series at most (24 bytes each): 10 series × 20,000, or 10,000 × 20. */
export const SNAPSHOT_POINTS = 200_000;
/** A view asks for at most this many points a series (a chart is a few thousand pixels wide at most). */
const MAX_POINTS_PER_SERIES = 20_000;
/**
 * A pushed snapshot's points a series (what a chart 1000 px wide asks) and across all series: it
 * goes to every page every PUSHED_SNAPSHOT_EVERY_MS whether one came or not, as base64 text, so at
 * most about 1.3 MB each time (85 kB/s).
 */
const PUSHED_POINTS_PER_SERIES = 2000;
const PUSHED_SNAPSHOT_POINTS = 40_000;

export interface Chunks {
  series: SeriesChunk[];
  buffers: Float64Array[];
}

interface Cursor {
  /** Points of the series logged when the view last got it (kept points shift once older ones merge). */
  sent: number;
  /** The step of the last point it got. */
  lastStep: number;
  cuts: number;
}

interface Subscriber {
  comm: PageComm;
  /** The view subscribed; absent for the pushed stream, which is every view's. */
  viewId?: string;
  /** The page gets the view's bundle each time its display is updated (it sees no display updates). */
  bundles?: boolean;
  points: number;
  cursors: Map<string, Cursor>;
  /** Pushed: when it last got every series anew. */
  pushedSnapshotAt?: number;
  /** Pushed: its last event was new points only (a snapshot is due when they stop). */
  unsettled?: boolean;
}

/** The points at `indices` as [step, value, time] triples; times after `origin`. */
function encode(s: Series, indices: ArrayLike<number>, origin: number): Float64Array {
  const out = new Float64Array(indices.length * CHUNK_STRIDE);
  const p = s.points;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const v = p.value(i);
    out[k * CHUNK_STRIDE] = p.step(i);
    out[k * CHUNK_STRIDE + 1] = v === null ? NaN : v;
    out[k * CHUNK_STRIDE + 2] = p.time(i) - origin;
  }
  return out;
}

/** A chunk names its series, and its run unless it is the default run. */
function identity(s: Series): Pick<SeriesChunk, 'name' | 'run'> {
  return s.run ? { name: s.name, run: s.run } : { name: s.name };
}

/** A chunk from point `from` on says so when that reaches into the buckets a memory bound merged. */
function merged(s: Series, from: number): Pick<SeriesChunk, 'merged'> {
  return from < s.points.mergedPoints ? { merged: true } : {};
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

export class LiveStream {
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly store: MetricsStore,
    private readonly now: () => number = Date.now
  ) {}

  private get origin(): number {
    return this.store.startedAt ?? 0;
  }

  /** Points a series of a view gets: what it asked, within the snapshot's share. */
  private perSeries(asked: number, snapshotPoints = SNAPSHOT_POINTS): number {
    const n = Math.max(1, this.store.series.size);
    return Math.max(2, Math.min(asked, MAX_POINTS_PER_SERIES, Math.floor(snapshotPoints / n)));
  }

  private whole(s: Series, points: number): { chunk: SeriesChunk; buffer: Float64Array } {
    const p = s.points;
    const indices = downsampleWith(p.valueAt, points, 0, p.length);
    return {
      chunk: { ...identity(s), totalPoints: p.logged, count: indices.length, replace: true, ...merged(s, 0) },
      buffer: encode(s, indices, this.origin)
    };
  }

  /** A view subscribes (again: a re-rendered output starts over): its snapshot. */
  subscribe(comm: PageComm, viewId: string, points: number, bundles = false): Chunks {
    this.unsubscribe(comm, viewId);
    const sub: Subscriber = { comm, viewId, bundles, points: Math.max(2, Math.floor(points) || 2), cursors: new Map() };
    this.subscribers.add(sub);
    return this.catchUp(sub);
  }

  /**
   * Pushes every view's points on `channel` from the next push on (a one-way kernel: no page can
   * subscribe). Its first event and one every PUSHED_SNAPSHOT_EVERY_MS is a snapshot.
   */
  pushTo(channel: PageComm): void {
    this.subscribers.add({
      comm: channel,
      points: PUSHED_POINTS_PER_SERIES,
      cursors: new Map(),
      pushedSnapshotAt: -Infinity
    });
  }

  unsubscribe(comm: PageComm, viewId: string): void {
    for (const sub of this.subscribers) if (sub.comm === comm && sub.viewId === viewId) this.subscribers.delete(sub);
  }

  /** A view's display was updated: the pages that see no display updates get its bundle. */
  displayed(plotterId: string, viewId: string, bundle: Record<string, unknown>): void {
    for (const sub of this.subscribers) {
      if (sub.viewId !== viewId || !sub.bundles || sub.comm.closed) continue;
      const event: KernelEvent = { event: 'bundle', plotterId, viewId, bundle };
      sub.comm.send(event);
    }
  }

  /** The frontend closed its comm (the page went away). */
  dropComm(comm: PageComm): void {
    for (const sub of this.subscribers) if (sub.comm === comm) this.subscribers.delete(sub);
  }

  /**
   * Whether some page gets this view's points over its comm (its display then refreshes less often).
   * Not for the pushed stream: no page says it reads it, and a frontend without the extension (VS
   * Code's, say) has only the display.
   */
  streams(viewId: string): boolean {
    for (const sub of this.subscribers) if (sub.viewId === viewId && !sub.comm.closed) return true;
    return false;
  }

  /** What a subscriber has not seen yet, and its cursors moved past it. */
  private catchUp(sub: Subscriber): Chunks {
    const out: Chunks = { series: [], buffers: [] };
    const points = this.perSeries(sub.points, sub.pushedSnapshotAt === undefined ? SNAPSHOT_POINTS : PUSHED_SNAPSHOT_POINTS);
    for (const [key, s] of this.store.series) {
      const cursor = sub.cursors.get(key);
      const p = s.points;
      const logged = p.logged;
      let part: { chunk: SeriesChunk; buffer: Float64Array } | null = null;
      // Points after the merged buckets are every point logged, in order: the view's next one is at
      // what it was sent less the points merged away. When some it had not got were merged, it gets
      // the buckets after its last step.
      let next = cursor ? cursor.sent - (logged - p.length) : 0;
      if (cursor && next < p.mergedPoints) next = searchSortedWith(p.stepAt, p.length, cursor.lastStep, 'right');
      if (!cursor || cursor.cuts !== s.cuts || logged - cursor.sent > points) {
        part = this.whole(s, points);
      } else if (p.length > next) {
        const indices = range(next, p.length);
        part = {
          chunk: { ...identity(s), totalPoints: logged, count: indices.length, replace: false, ...merged(s, next) },
          buffer: encode(s, indices, this.origin)
        };
      }
      if (part) {
        out.series.push(part.chunk);
        out.buffers.push(part.buffer);
      }
      sub.cursors.set(key, { sent: logged, lastStep: p.length ? p.step(p.length - 1) : -Infinity, cuts: s.cuts });
    }
    return out;
  }

  /** Sends each subscriber the points added since its last event. */
  push(plotterId: string): void {
    for (const sub of [...this.subscribers]) {
      if (sub.comm.closed) {
        this.subscribers.delete(sub);
        continue;
      }
      const snapshot = sub.pushedSnapshotAt !== undefined && this.now() - sub.pushedSnapshotAt >= PUSHED_SNAPSHOT_EVERY_MS;
      if (snapshot) sub.cursors.clear(); // every series anew
      const { series, buffers } = this.catchUp(sub);
      if (!series.length) continue;
      if (snapshot) sub.pushedSnapshotAt = this.now();
      if (sub.pushedSnapshotAt !== undefined) sub.unsettled = !snapshot;
      const event = {
        event: 'points',
        plotterId,
        ...(sub.viewId !== undefined ? { viewId: sub.viewId } : {}),
        startedAt: this.store.startedAt,
        series,
        ...(snapshot ? { snapshot: true } : {})
      } satisfies KernelEvent;
      const sent = sub.comm.send(event, buffers);
      if (!sent) this.subscribers.delete(sub); // the comm closed, or the kernel's sockets are closing
    }
  }

  /**
   * The points stopped (no push for PUSHED_SETTLE_MS): a pushed stream whose last event was new
   * points only gets every series anew, so that an output rendered after the stream's snapshot (a
   * page busy when the cell began) draws what was logged before the next one.
   */
  settle(plotterId: string): void {
    for (const sub of this.subscribers) if (sub.unsettled) sub.pushedSnapshotAt = -Infinity;
    this.push(plotterId);
  }

  /** Whether a pushed stream waits for its settling snapshot. */
  unsettled(): boolean {
    for (const sub of this.subscribers) if (sub.unsettled) return true;
    return false;
  }

  /** Every series between min and max on an axis, with one point beyond each end so lines reach the edges. */
  range(axis: RangeAxis, min: number, max: number, points: number): Chunks {
    const out: Chunks = { series: [], buffers: [] };
    const per = this.perSeries(points);
    for (const s of this.store.series.values()) {
      const p = s.points;
      const at = axis === 'step' ? p.stepAt : p.timeAt;
      const shift = axis === 'step' ? 0 : this.origin;
      const from = Math.max(0, searchSortedWith(at, p.length, min + shift) - 1);
      const to = Math.min(p.length, searchSortedWith(at, p.length, max + shift, 'right') + 1);
      const inside = to - from;
      const indices = inside <= per ? range(from, to) : downsampleWith(p.valueAt, per, from, to);
      out.series.push({ ...identity(s), totalPoints: p.logged, count: indices.length, replace: true, ...merged(s, from) });
      out.buffers.push(encode(s, indices, this.origin));
    }
    return out;
  }
}
