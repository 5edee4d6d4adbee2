/**
 * The extension's comm: one per kernel connection of a page, on KERNEL_COMM_TARGET. The page sends
 * `KernelRequest`s, read field by field at the kernel's boundary (`readKernelRequest`); the kernel
 * answers each with a `KernelReply` under that request's message and pushes `KernelEvent`s on its
 * own. docs/protocol.md, "The comm".
 */
import type { HistogramSeries } from './histograms';
import type { CleanupReport } from './payload';

/** The comm target the kernel side registers for the extension (one comm per kernel connection). */
export const KERNEL_COMM_TARGET = 'metrics-plotter.v1';

/**
 * The comm id a one-way kernel (`kernel.oneWay`: Deno's) pushes `points` events on, to every page of
 * the kernel at once. No comm_open goes first: no page could answer it, a page that opened later
 * would have missed it, and a frontend without the extension would report an unknown target;
 * frontends ignore comm_msg of a comm they do not know, and the extension reads these off its
 * kernel connection's iopub stream. Buffers go as text (TEXT_BUFFERS): the kernel cannot know
 * whether some page's connection takes binary frames.
 */
export const PUSHED_POINTS_COMM_ID = 'metrics-plotter.pushed-points';

/** The data of the extension's comm_open: what this page can show. */
export interface ExtensionHello {
  /**
   * The page renders the plotter's widget models (jupyterlab_widgets is installed). The kernel opens
   * widget models only once such a page is attached: a JupyterLab without a `jupyter.widget` target
   * would refuse each one with an error in its console.
   */
  widgets: boolean;
  /**
   * The page's kernel connection carries binary websocket frames. False where they would break it:
   * behind a kernel gateway, jupyter_server relays every frame as text and its reader dies on the
   * first binary one (the page sees the legacy websocket protocol there). The kernel then carries
   * each message's buffers as base64 text in its data (TEXT_BUFFERS). Absent: true (older pages).
   */
  binary: boolean;
}

/**
 * The data key of a comm message's buffers as base64 strings, for a page whose connection cannot
 * carry binary frames (ExtensionHello.binary false); the page reads them as it reads binary buffers.
 */
export const TEXT_BUFFERS = 'textBuffers';

export type ReleaseOutcome =
  /** The last view went away: the plotter was closed and its assets removed (see report). */
  | 'closed'
  /** Other views of this plotter are still shown: nothing removed. */
  | 'kept'
  /** This kernel process does not know the plotter (it restarted, or it was already closed). */
  | 'unknown';

export interface ReleaseReply {
  plotterId: string;
  outcome: ReleaseOutcome;
  report?: CleanupReport;
}

/**
 * One series' points on the comm. The numbers travel as a binary buffer of the message (buffer i
 * for series i): Float64 triples [step, value, time] per point, NaN for a gap's value, time in ms
 * after the payload's `startedAt`. `replace`: these points are the whole series now (a snapshot,
 * or the run resumed from an earlier step); otherwise they come after the points sent before.
 */
export interface SeriesChunk {
  name: string;
  /** The run of the series; absent: the default run. */
  run?: string;
  /** Points recorded in the kernel for this series. */
  totalPoints: number;
  /** Points in this chunk's buffer. */
  count: number;
  replace: boolean;
  /**
   * Some of these points are min/max buckets: the plotter reached its memory bound and merged the
   * series' older detail (see PlotterPayload.memoryBound). Absent: every point as logged.
   */
  merged?: boolean;
}

/** Float64 numbers per point in a SeriesChunk buffer. */
export const CHUNK_STRIDE = 3;

/** What x a range request is in: training steps, or ms after `startedAt`. */
export type RangeAxis = 'step' | 'time';

/** What the extension asks of the kernel, as the data of a comm_msg. */
export type KernelRequest =
  /** The last output of a view went away from this page (closed notebook, cleared output, deleted cell). */
  | { request: 'release'; plotterId: string; viewId: string }
  /**
   * This page shows the view: a lease, renewed by sending it again every `renewMs` of the reply.
   * A page that stops renewing (closed tab, crashed, its machine gone) lets go of it when the lease
   * runs out (see docs/cleanup.md, "Pages that go away").
   */
  | { request: 'hold'; plotterId: string; viewId: string }
  /** The page is going away (hidden for unload): its lease on the view runs out soon unless renewed. */
  | { request: 'leave'; plotterId: string; viewId: string }
  /**
   * A live view wants the series in detail: a snapshot (each series at most `points` points, min
   * and max kept), then, as training runs, only the new points (`points` events). `bundles`: the
   * page never sees the view's display updated in place (Voilà's renders each output once, as its
   * cell finished), so the reply carries the view's MIME bundle as it is now, and a `bundle` event
   * each time its display is updated.
   */
  | { request: 'subscribe'; plotterId: string; viewId: string; points: number; bundles?: true }
  /** The view is gone from this page (no more `points` events for it here). */
  | { request: 'unsubscribe'; plotterId: string; viewId: string }
  /** Every series between `min` and `max` (inclusive) on `axis`, at most `points` points each, min and max kept. */
  | { request: 'range'; plotterId: string; axis: RangeAxis; min: number; max: number; points: number }
  /**
   * The bytes of one of the plotter's media files from `offset` on, at most MEDIA_CHUNK_BYTES (one
   * buffer): for a page whose Jupyter server cannot see the kernel's folder (a remote kernel).
   * `path` is a media entry's `path`; the kernel reads no other file.
   */
  | { request: 'media'; plotterId: string; path: string; offset: number }
  /**
   * The user keeps the media entry at `path` (a card's Keep): the kernel moves its file into the
   * notebook's folder under a free name, as `plotter.keep(name, { step })` does.
   */
  | { request: 'keep'; plotterId: string; path: string }
  /**
   * Every histogram series in detail (each at most HISTOGRAM_DETAIL_STEPS of its kept steps, spread
   * evenly), for a live view: the payload carries only what the saved output's budget allows.
   */
  | { request: 'histograms'; plotterId: string };

/** The most bytes of a media file one `media` reply carries: a video comes in several. */
export const MEDIA_CHUNK_BYTES = 1 << 20;

/** What the kernel says of one of its media files. */
export type MediaFileState =
  /** On its disk: `size` bytes, this reply's buffer from `offset` on. */
  | 'present'
  /** Not on its disk any more (keepLast, a replaced step, or the session ended). */
  | 'removed'
  /** Not a media entry of this plotter: the kernel reads no such file. */
  | 'not media';

/** The kernel's answer to one request, sent on the same comm under that request's message. */
export type KernelReply =
  | ({ reply: 'release' } & ReleaseReply)
  /** `known`: the plotter is open in this process; `renewMs`: how often the page renews its lease. */
  | { reply: 'hold'; plotterId: string; known: boolean; renewMs: number }
  | { reply: 'leave'; plotterId: string }
  | {
      reply: 'subscribe';
      plotterId: string;
      known: boolean;
      startedAt: number | null;
      series: SeriesChunk[];
      /** The view's MIME bundle, when the request asked for `bundles`. */
      bundle?: Record<string, unknown>;
    }
  | { reply: 'unsubscribe'; plotterId: string }
  | { reply: 'range'; plotterId: string; known: boolean; axis: RangeAxis; min: number; max: number; series: SeriesChunk[] }
  | { reply: 'media'; plotterId: string; known: boolean; path: string; state: MediaFileState; size: number; offset: number }
  /** Where the entry went (`keptAs`, relative to the notebook's folder), or why it could not be kept. */
  | { reply: 'keep'; plotterId: string; path: string; keptAs?: string; error?: string }
  | { reply: 'histograms'; plotterId: string; known: boolean; histograms: HistogramSeries[] };

/** Steps of each histogram series a `histograms` reply carries at most. */
export const HISTOGRAM_DETAIL_STEPS = 500;

/** What the kernel tells the extension on its own. */
export type KernelEvent =
  /** A plotter's session ended in the kernel (close(), a shutdown or restart request, the process exiting). */
  | { event: 'ended'; plotterId: string; report: CleanupReport }
  /**
   * New points of a subscribed view, since the last event (buffers as in SeriesChunk). Pushed by a
   * one-way kernel (PUSHED_POINTS_COMM_ID) they are for every view of the plotter (no `viewId`), and
   * `snapshot` marks every series anew: sent first, again every PUSHED_SNAPSHOT_EVERY_MS, and once
   * the points stop for PUSHED_SETTLE_MS, so that a page that came later (a reload, a second window,
   * an output rendered after the first event) starts from there.
   */
  | {
      event: 'points';
      plotterId: string;
      viewId?: string;
      startedAt: number | null;
      series: SeriesChunk[];
      snapshot?: boolean;
    }
  /** The view's display was updated: its MIME bundle, for a page that subscribed with `bundles`. */
  | { event: 'bundle'; plotterId: string; viewId: string; bundle: Record<string, unknown> };

/** How often a one-way kernel pushes every series anew (see the `points` event). */
export const PUSHED_SNAPSHOT_EVERY_MS = 15_000;
/** After this long without new points, a one-way kernel pushes a snapshot, if its last event was none. */
export const PUSHED_SETTLE_MS = 2_000;

/** A page that says nothing of itself (an older extension): it renders no widget models. */
export const PLAIN_PAGE: ExtensionHello = { widgets: false, binary: true };

/** A page's comm_open data, read at the boundary. */
export function readExtensionHello(data: unknown): ExtensionHello {
  const hello = data as Partial<ExtensionHello> | null;
  return { widgets: hello?.widgets === true, binary: hello?.binary !== false };
}

/**
 * A request from a page, read field by field at the kernel's boundary; null for a request this
 * version does not know (a newer extension's) or a malformed one, which get no answer.
 */
export function readKernelRequest(data: unknown): KernelRequest | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const plotterId = d.plotterId;
  if (typeof plotterId !== 'string') return null;
  const viewId = typeof d.viewId === 'string' ? d.viewId : null;
  const points = typeof d.points === 'number' && Number.isFinite(d.points) ? d.points : null;
  switch (d.request) {
    case 'release':
    case 'unsubscribe':
    case 'hold':
    case 'leave':
      return viewId === null ? null : { request: d.request, plotterId, viewId };
    case 'subscribe':
      if (viewId === null || points === null) return null;
      return { request: 'subscribe', plotterId, viewId, points, ...(d.bundles === true ? { bundles: true } : {}) };
    case 'range': {
      const { min, max } = d;
      if (points === null || typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max))
        return null;
      return { request: 'range', plotterId, axis: d.axis === 'time' ? 'time' : 'step', min, max, points };
    }
    case 'media': {
      const { path, offset } = d;
      if (typeof path !== 'string' || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return null;
      return { request: 'media', plotterId, path, offset };
    }
    case 'keep':
      return typeof d.path === 'string' ? { request: 'keep', plotterId, path: d.path } : null;
    case 'histograms':
      return { request: 'histograms', plotterId };
    default:
      return null;
  }
}

export function isKernelReply(data: unknown): data is KernelReply {
  const d = data as Partial<KernelReply> | null;
  return typeof d === 'object' && d !== null && typeof d.reply === 'string' && typeof d.plotterId === 'string';
}

export function isKernelEvent(data: unknown): data is KernelEvent {
  const d = data as Partial<KernelEvent> | null;
  return typeof d === 'object' && d !== null && typeof d.event === 'string' && typeof d.plotterId === 'string';
}
