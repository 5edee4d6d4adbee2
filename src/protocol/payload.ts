/**
 * The display's JSON part (`PlotterPayload`): what one output shows, and what a saved notebook
 * keeps, so it stays small (a byte budget in the kernel). One reader, `readPayload`, takes every
 * version this frontend knows. docs/protocol.md, "The payload".
 */
import type { HistogramSeries } from './histograms';
import type { RunInfo } from './runs';

/** MIME type of the JSON part of a plotter output. Bump the `v` with PROTOCOL_VERSION. */
export const PLOTTER_MIME_TYPE = 'application/vnd.metrics-plotter.v2+json';
export const PROTOCOL_VERSION = 2;
/** Outputs saved by version 1 (videos only, no steps): the frontend still renders them. */
export const PLOTTER_MIME_TYPE_V1 = 'application/vnd.metrics-plotter.v1+json';

export type SessionState = 'live' | 'closed';
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

/** A TensorBoard log directory the plotter follows (or followed): what it read, and what it left out. */
export interface WatchedLogdir {
  /** Absolute, as the kernel sees it. */
  logdir: string;
  /** Still followed (false once the watch or the session ended). */
  following: boolean;
  /** Runs found: folders of event files. */
  runs: number;
  /** Records skipped because their CRC did not hold. */
  corruptRecords: number;
  /** Values read but not shown, by kind ("histograms", a plugin's name, "images" that could not be decoded). */
  notShown: Record<string, number>;
  /** Problems said so far (each in the cell or the server's log when it happened). */
  problems: number;
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
  /**
   * Histograms over steps (`addHistogram`), each series thinned to what the saved output's budget
   * allows; absent in outputs without any (and of versions before histograms).
   */
  histograms?: HistogramSeries[];
  /** Histogram series the kernel records but this payload leaves out (its budget); absent: 0. */
  omittedHistograms?: number;
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
  /** The log directories `watch()` followed; absent when none. */
  watched?: WatchedLogdir[];
  /**
   * `plotter.pin()` calls, oldest first (the latest PIN_REQUESTS_SENT): runs the output's notebook
   * is to keep as baselines. The first output of the notebook to read one pins it and notes its id
   * in the notebook, so that it is pinned once. Absent when none.
   */
  pins?: PinRequest[];
}

/** How many `plotter.pin()` requests a payload carries, at most. */
export const PIN_REQUESTS_SENT = 16;

/** One `plotter.pin(run, { label })` call. */
export interface PinRequest {
  /** Unique to the call (the plotter's id and a count). */
  id: string;
  /** The run to pin; '' (DEFAULT_RUN) for the plotter's own logging. */
  run: string;
  /** The baseline's name; absent: the run's label. */
  label?: string;
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

/**
 * One view of one plotter in one kernel process: the key under which the frontend counts a view's
 * outputs and subscriptions (a restart keeps the kernel id but not the process).
 */
export function viewKey(payload: Pick<PlotterPayload, 'kernel' | 'plotterId' | 'viewId'>): string {
  return `${payload.kernel.id}/${payload.kernel.pid}/${payload.plotterId}/${payload.viewId}`;
}
