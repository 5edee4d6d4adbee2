/**
 * The one shared description of what passes between the kernel side (src/kernel, inside tslab)
 * and the JupyterLab side (src/lab). Both import this file; nothing else crosses the boundary.
 *
 * Two channels exist, because tslab has no comm support:
 *  1. kernel -> frontend: a MIME bundle sent with tslab's display machinery (display_data, then
 *     update_display_data on the same display id for live updates). Its JSON part is `PlotterPayload`.
 *  2. frontend -> kernel: a tiny execute request sent on a kernel connection the extension owns
 *     (`releaseRequestCode`), answered with one marked line on stdout (`parseReleaseReply`).
 */

/** MIME type of the JSON part of a plotter output. Bump the `v` with PROTOCOL_VERSION. */
export const PLOTTER_MIME_TYPE = 'application/vnd.metrics-plotter.v2+json';
export const PROTOCOL_VERSION = 2;
/** Outputs saved by version 1 (videos only, no steps): the frontend still renders them. */
export const PLOTTER_MIME_TYPE_V1 = 'application/vnd.metrics-plotter.v1+json';

/** Where, on `globalThis` of the kernel process, the live-plotter registry hangs. */
export const KERNEL_REGISTRY_KEY = 'metrics-plotter.kernel-registry.v1';

export type SessionState = 'live' | 'closed';

export interface MetricSeries {
  name: string;
  /** x values (training steps), ascending as added. */
  steps: number[];
  /** y values; null where the value was NaN or infinite (a gap in the chart). */
  values: Array<number | null>;
  /** Points recorded in the kernel; larger than steps.length when the payload was downsampled. */
  totalPoints: number;
}

export type MediaKind = 'video' | 'image';

/** One logged rollout video or image: one entry of a media name's series over training steps. */
export interface MediaEntry {
  kind: MediaKind;
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
  };
  state: SessionState;
  metrics: MetricSeries[];
  /**
   * Metrics the kernel records but this payload leaves out: one message has a size budget across
   * all series, and with tens of thousands of metrics even their names would pass it. Absent: 0.
   */
  omittedMetrics?: number;
  /** Every media entry still on disk, by name, then step. */
  media: MediaEntry[];
  /** Per media name, how many older entries `keepLast` removed (their files were the plotter's own). */
  retired?: Record<string, number>;
  /** Present once the session ended: what cleanup did. */
  cleanup?: CleanupReport;
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

/** The marker that starts the one stdout line the kernel answers a release request with. */
export const RELEASE_REPLY_MARKER = '@@metrics-plotter-release@@';

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

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The code the frontend runs in the kernel to release one view. It must stay tiny and valid
 * TypeScript (tslab type-checks it), and must not fail when metrics-plotter was never loaded.
 */
export function releaseRequestCode(plotterId: string, viewId: string): string {
  if (!ID_PATTERN.test(plotterId) || !ID_PATTERN.test(viewId)) {
    throw new Error(`metrics-plotter: refusing to send malformed ids ${JSON.stringify([plotterId, viewId])}`);
  }
  return (
    `(globalThis as any)[Symbol.for(${JSON.stringify(KERNEL_REGISTRY_KEY)})]` +
    `?.releaseView(${JSON.stringify(plotterId)}, ${JSON.stringify(viewId)}); void 0;`
  );
}

/** The stdout line that answers a release request. */
export function formatReleaseReply(reply: ReleaseReply): string {
  return `${RELEASE_REPLY_MARKER}${JSON.stringify(reply)}\n`;
}

/** Finds the reply in stdout text of the release request; null when there is none. */
export function parseReleaseReply(stdout: string): ReleaseReply | null {
  const at = stdout.indexOf(RELEASE_REPLY_MARKER);
  if (at < 0) return null;
  const line = stdout.slice(at + RELEASE_REPLY_MARKER.length).split('\n', 1)[0];
  try {
    return JSON.parse(line) as ReleaseReply;
  } catch {
    return null;
  }
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
