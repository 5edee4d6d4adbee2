/**
 * The one shared description of what passes between the kernel side (src/kernel, inside tslab)
 * and the JupyterLab side (src/lab). Both import this file; nothing else crosses the boundary.
 *
 * Three channels:
 *  1. kernel -> frontend: a MIME bundle sent with tslab's display machinery (display_data, then
 *     update_display_data on the same display id for live updates). Its JSON part is `PlotterPayload`;
 *     it is what a saved notebook keeps, so it stays small (a byte budget in the kernel). While the
 *     session is live the bundle also names the view's widget model (`WIDGET_VIEW_MIME_TYPE`).
 *  2. both ways: one Jupyter comm per kernel connection of the extension, on `KERNEL_COMM_TARGET`
 *     (tslab has no comms; src/kernel/tslab-comms.ts adds them). The frontend sends `KernelRequest`s;
 *     the kernel answers each with a `KernelReply` under that request's message, and pushes
 *     `KernelEvent`s (live detail, the end of a session) on its own.
 *  3. kernel -> frontend: one Jupyter widget model per shown view, on the `jupyter.widget` target
 *     (ipywidgets' message protocol 2.1), whose state is `PlotterWidgetState`: the same payload as
 *     the display's. JupyterLab's widget manager renders it where jupyterlab_widgets is installed;
 *     the comm closes when the session ends.
 */

/** MIME type of the JSON part of a plotter output. Bump the `v` with PROTOCOL_VERSION. */
export const PLOTTER_MIME_TYPE = 'application/vnd.metrics-plotter.v2+json';
export const PROTOCOL_VERSION = 2;
/** Outputs saved by version 1 (videos only, no steps): the frontend still renders them. */
export const PLOTTER_MIME_TYPE_V1 = 'application/vnd.metrics-plotter.v1+json';

export type SessionState = 'live' | 'closed';

/**
 * Runs: one plotter can hold several runs of an experiment (a sweep, seeds), each with its config.
 * Series and media name the run they belong to; absent, they belong to the default run (the
 * plotter's own logging), so outputs without runs read as one run.
 */
export const DEFAULT_RUN = '';
/** A run's hyperparameters (learning rate, seed…): flat, numbers, strings and booleans. */
export type RunConfig = Record<string, number | string | boolean>;
export type RunStatus = 'running' | 'finished' | 'failed';
export interface RunInfo {
  /** DEFAULT_RUN for the plotter's own logging. */
  name: string;
  config: RunConfig;
  status: RunStatus;
}

/** How a run is called where a person reads it. */
export function runLabel(run: string | undefined): string {
  return run ? run : 'default';
}

/** One series (or media name) of one run: the key both sides keep it under. The default run's key is the name. */
export function seriesKey(item: { name: string; run?: string }): string {
  return item.run ? `${item.run}\u0000${item.name}` : item.name;
}

/** A plotter's memory bound, once its points reached it. */
export interface MemoryBound {
  /** The bound, in bytes of points (the `memoryBoundMB` option). */
  bytes: number;
  /** Logged points that are now merged into min/max buckets, across all series. */
  mergedPoints: number;
}

export interface MetricSeries {
  name: string;
  /** The run it belongs to; absent: the default run. */
  run?: string;
  /** x values (training steps), ascending as added. */
  steps: number[];
  /** y values; null where the value was NaN or infinite (a gap in the chart). */
  values: Array<number | null>;
  /**
   * When each point was added, in milliseconds after the payload's `startedAt` (absent in outputs
   * of versions that did not record it).
   */
  times?: number[];
  /** Points recorded in the kernel; larger than steps.length when the payload was downsampled. */
  totalPoints: number;
}

export type MediaKind = 'video' | 'image';

/** One logged rollout video or image: one entry of a media name's series over training steps. */
export interface MediaEntry {
  kind: MediaKind;
  /** The run it belongs to; absent: the default run. */
  run?: string;
  /** The media name: entries of one name form one card with a step slider. */
  name: string;
  /** The training step it was logged at. */
  step: number;
  /** POSIX path relative to the notebook's folder (the kernel's working folder). */
  path: string;
  /** Absolute path on the kernel's machine, for messages that tell the user what to delete. */
  absolutePath: string;
  width: number;
  height: number;
  bytes: number;
  /** Videos only. */
  fps?: number;
  frames?: number;
  /**
   * The user kept it (`plotter.keep`, or the card's Keep): its file was moved to `path`, out of the
   * plotter's folder, and is no longer the plotter's: no cleanup touches it. Absent: the plotter's.
   */
  kept?: true;
  /**
   * Its file was removed while no page showed the plotter (docs/cleanup.md, "Pages that go away"):
   * only its still, if it is a name's latest, stands for it.
   */
  gone?: true;
}

/** A version 1 video entry (no kind, no step). */
export interface VideoEntryV1 {
  name: string;
  path: string;
  absolutePath: string;
  fps: number;
  frames: number;
  width: number;
  height: number;
  bytes: number;
}

export interface CleanupFailure {
  /** Absolute path that could not be deleted. */
  path: string;
  /** The system error, e.g. "EPERM: operation not permitted". */
  reason: string;
}

export interface CleanupReport {
  ok: boolean;
  /** Paths the plotter wrote and removed. */
  removed: string[];
  failures: CleanupFailure[];
  /**
   * Paths left on purpose because they are not provably the plotter's: a file a user put in its
   * place, a manifest entry that is not a plain file name with a recorded identity, a folder
   * written by a kernel on another host. Not failures: `ok` stays true.
   */
  kept?: CleanupFailure[];
}

export interface PlotterPayload {
  protocol: 'metrics-plotter';
  version: typeof PROTOCOL_VERSION;
  plotterId: string;
  /** Each show() call makes a view; the frontend releases views, not plotters. */
  viewId: string;
  title: string;
  kernel: {
    /** Jupyter kernel id (from the connection file name), null when unknown. */
    id: string | null;
    pid: number;
    /** Absolute working folder of the kernel: the notebook's folder. */
    cwd: string;
    /**
     * Present when the page cannot send to the kernel (Deno's kernel takes no comm messages from a
     * page): the kernel's name, so that the output says what its views cannot do there. Absent: it can.
     */
    oneWay?: string;
  };
  state: SessionState;
  /** When the plotter's first point was added, in ms since the epoch: the origin of every series' `times`. */
  startedAt?: number;
  metrics: MetricSeries[];
  /**
   * Metrics the kernel records but this payload leaves out: one message has a size budget across
   * all series, and with tens of thousands of metrics even their names would pass it. Absent: 0.
   */
  omittedMetrics?: number;
  /**
   * Present once the plotter's points reached its memory bound: older detail of its series is then
   * merged into min/max buckets (each bucket's smallest and largest value kept) instead of growing.
   */
  memoryBound?: MemoryBound;
  /** Every media entry still on disk, by name, then step. */
  media: MediaEntry[];
  /** Per media name (seriesKey of run and name), how many older entries `keepLast` removed (the plotter's own files). */
  retired?: Record<string, number>;
  /**
   * The plotter's runs, in the order they began (their colour order); absent when it has only the
   * default run. The default run is listed when anything was logged to it.
   */
  runs?: RunInfo[];
  /** Present once the session ended: what cleanup did. */
  cleanup?: CleanupReport;
}

/**
 * Stills: an output's `text/html` part carries one small JPEG per media name (of its latest entry),
 * so that a reader without the extension, and the panel of a notebook reopened after its videos were
 * removed, still see what a rollout looked like. One copy in the output: the payload does not repeat
 * them; the panel reads them from the HTML part with `readStills`.
 */
export interface Still {
  /** The step of the entry it was made of. */
  step: number;
  /** `data:image/jpeg;base64,…` */
  src: string;
}

/** Text (or an attribute's value) as HTML and XML read it: what the outputs' HTML parts write. */
export const escapeHtml = (x: string): string => x.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

/** A still (JPEG, as base64) as the HTML part writes it, for the media series `key` (seriesKey). */
export function stillImg(key: string, step: number, base64: string, width: number, height: number, alt: string): string {
  return (
    `<img data-mp-still="${escapeHtml(key)}" data-mp-step="${step}" src="data:image/jpeg;base64,${base64}" ` +
    `width="${width}" height="${height}" alt="${escapeHtml(alt)}">`
  );
}

/** The stills of an output's HTML part, by media series key; empty for anything else. */
export function readStills(html: unknown): Map<string, Still> {
  const out = new Map<string, Still>();
  if (typeof html !== 'string') return out;
  const tag = /<img data-mp-still="([^"]*)" data-mp-step="(-?\d+)" src="(data:image\/jpeg;base64,[A-Za-z0-9+/=]+)"/g;
  for (const [, key, step, src] of html.matchAll(tag)) {
    out.set(
      key.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))),
      { step: Number(step), src }
    );
  }
  return out;
}

/** What version 1 sent: the same, with `videos` instead of `media`. */
export interface PlotterPayloadV1 extends Omit<PlotterPayload, 'version' | 'media' | 'retired'> {
  version: 1;
  videos: VideoEntryV1[];
}

function hasHeader(v: Partial<PlotterPayload> | null, version: number): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    v.protocol === 'metrics-plotter' &&
    (v.version as number) === version &&
    typeof v.plotterId === 'string' &&
    typeof v.viewId === 'string' &&
    Array.isArray(v.metrics)
  );
}

export function isPlotterPayload(value: unknown): value is PlotterPayload {
  const v = value as Partial<PlotterPayload> | null;
  return hasHeader(v, PROTOCOL_VERSION) && Array.isArray(v!.media);
}

/**
 * A payload of any version this frontend knows, as the current version; null for anything else.
 * A version 1 video was logged without a step: each gets the step 0, under its own name.
 */
export function readPayload(value: unknown): PlotterPayload | null {
  if (isPlotterPayload(value)) return value;
  const v1 = value as Partial<PlotterPayloadV1> | null;
  if (!hasHeader(v1 as Partial<PlotterPayload>, 1) || !Array.isArray(v1!.videos)) return null;
  const { videos, ...rest } = v1 as PlotterPayloadV1;
  return { ...rest, version: PROTOCOL_VERSION, media: videos.map(v => ({ ...v, kind: 'video', step: 0 })) };
}

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
   * and max kept), then, as training runs, only the new points (`points` events).
   */
  | { request: 'subscribe'; plotterId: string; viewId: string; points: number }
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
  | { request: 'keep'; plotterId: string; path: string };

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
  | { reply: 'subscribe'; plotterId: string; known: boolean; startedAt: number | null; series: SeriesChunk[] }
  | { reply: 'unsubscribe'; plotterId: string }
  | { reply: 'range'; plotterId: string; known: boolean; axis: RangeAxis; min: number; max: number; series: SeriesChunk[] }
  | { reply: 'media'; plotterId: string; known: boolean; path: string; state: MediaFileState; size: number; offset: number }
  /** Where the entry went (`keptAs`, relative to the notebook's folder), or why it could not be kept. */
  | { reply: 'keep'; plotterId: string; path: string; keptAs?: string; error?: string };

/** What the kernel tells the extension on its own. */
export type KernelEvent =
  /** A plotter's session ended in the kernel (close(), a shutdown or restart request, the process exiting). */
  | { event: 'ended'; plotterId: string; report: CleanupReport }
  /**
   * New points of a subscribed view, since the last event (buffers as in SeriesChunk). Pushed by a
   * one-way kernel (PUSHED_POINTS_COMM_ID) they are for every view of the plotter (no `viewId`), and
   * `snapshot` marks every series anew: sent first and again every PUSHED_SNAPSHOT_EVERY_MS, so that
   * a page that came later (a reload, a second window) starts from there.
   */
  | {
      event: 'points';
      plotterId: string;
      viewId?: string;
      startedAt: number | null;
      series: SeriesChunk[];
      snapshot?: boolean;
    };

/** How often a one-way kernel pushes every series anew (see the `points` event). */
export const PUSHED_SNAPSHOT_EVERY_MS = 15_000;

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
      return viewId === null || points === null ? null : { request: 'subscribe', plotterId, viewId, points };
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
    default:
      return null;
  }
}

/**
 * One view of one plotter in one kernel process: the key under which the frontend counts a view's
 * outputs and subscriptions (a restart keeps the kernel id but not the process).
 */
export function viewKey(payload: Pick<PlotterPayload, 'kernel' | 'plotterId' | 'viewId'>): string {
  return `${payload.kernel.id}/${payload.kernel.pid}/${payload.plotterId}/${payload.viewId}`;
}

export function isKernelReply(data: unknown): data is KernelReply {
  const d = data as Partial<KernelReply> | null;
  return typeof d === 'object' && d !== null && typeof d.reply === 'string' && typeof d.plotterId === 'string';
}

export function isKernelEvent(data: unknown): data is KernelEvent {
  const d = data as Partial<KernelEvent> | null;
  return typeof d === 'object' && d !== null && typeof d.event === 'string' && typeof d.plotterId === 'string';
}

/** The MIME type of a Jupyter widget's view reference (ipywidgets' `application/vnd.jupyter.widget-view+json`). */
export const WIDGET_VIEW_MIME_TYPE = 'application/vnd.jupyter.widget-view+json';
/** The comm target of Jupyter widget models, and the message protocol version its comm_open carries. */
export const WIDGET_COMM_TARGET = 'jupyter.widget';
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
/** The widget module the extension registers with JupyterLab's widget manager: this package and its version. */
export const WIDGET_MODULE = 'metrics-plotter';
export const WIDGET_MODULE_VERSION = '0.1.0';

/** The view reference a display bundle carries while the view's widget model is open. */
export interface WidgetViewReference {
  model_id: string;
  version_major: 2;
  version_minor: 1;
}

/** A plotter view's widget model state (every key of it is sent on open and on request_state). */
export interface PlotterWidgetState {
  _model_module: typeof WIDGET_MODULE;
  _model_module_version: string;
  _model_name: 'PlotterModel';
  _view_module: typeof WIDGET_MODULE;
  _view_module_version: string;
  _view_name: 'PlotterView';
  _view_count: null;
  _dom_classes: string[];
  tabbable: null;
  tooltip: null;
  /** What the view draws: the display's payload, updated with it. */
  payload: PlotterPayload;
}

export function widgetState(payload: PlotterPayload): PlotterWidgetState {
  const version = `^${WIDGET_MODULE_VERSION}`;
  return {
    _model_module: WIDGET_MODULE,
    _model_module_version: version,
    _model_name: 'PlotterModel',
    _view_module: WIDGET_MODULE,
    _view_module_version: version,
    _view_name: 'PlotterView',
    _view_count: null,
    _dom_classes: [],
    tabbable: null,
    tooltip: null,
    payload
  };
}

/** The model id a display bundle's widget view reference names, if any. */
export function widgetModelId(bundle: Record<string, unknown>): string | null {
  const ref = bundle[WIDGET_VIEW_MIME_TYPE] as Partial<WidgetViewReference> | undefined;
  return ref && typeof ref.model_id === 'string' && ref.model_id ? ref.model_id : null;
}

/** What an output says once its plotter reached its memory bound (the panel, the text and HTML summaries). */
export function memoryBoundMessage(bound: MemoryBound): string {
  const mb = Math.round(bound.bytes / 2 ** 20).toLocaleString('en');
  return (
    `Memory bound reached (${mb} MB of points): ${bound.mergedPoints.toLocaleString('en')} older points are merged ` +
    "into min/max buckets (each bucket's smallest and largest value kept). A larger memoryBoundMB keeps more detail."
  );
}

/** The words every user-facing cleanup failure uses, in the cell, on stderr, or as a notification. */
export function cleanupFailureMessage(failures: CleanupFailure[]): string {
  const lines = failures.map(f => `  ${f.path}  (${f.reason})`);
  return [
    `metrics-plotter: cleanup failed. ${failures.length === 1 ? 'This path was' : 'These paths were'} left on disk:`,
    ...lines,
    'Please delete ' + (failures.length === 1 ? 'it' : 'them') + ' by hand (for example: rm -rf <path>).'
  ].join('\n');
}
