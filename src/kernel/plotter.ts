/**
 * MetricsPlotter: collects metrics and rollout videos in a tslab kernel, shows them inline through
 * the JupyterLab extension, and owns the MP4 files it writes until its session ends.
 */
import * as path from 'path';
import {
  PLOTTER_MIME_TYPE,
  PROTOCOL_VERSION,
  CleanupReport,
  PlotterPayload,
  ReleaseReply,
  VideoEntry,
  cleanupFailureMessage
} from '../protocol';
import { AssetsOwner, StorageError, sweepOrphans } from './assets';
import { FrameError, FramesInput, FrameImage, Channels, checkVideoSize, imageChannels, toFrameSource } from './frames';
import { kernelRegistry, ManagedPlotter } from './lifecycle';
import { metricsWithinBudget } from './payload';
import { summaryHtml, summaryText, type SummaryInput } from './summary';
import { KernelDisplay, kernelIdFromArgv, runningInTslab } from './tslab-bridge';
import { EncodeError, VideoEncoder } from './video-encoder';

export interface MetricsPlotterOptions {
  /** Shown above the charts. */
  title?: string;
  /** The notebook's folder, where assets/ goes. Default: the kernel's working folder (tslab never changes it). */
  root?: string;
  /** Points per series sent to the notebook; longer series are downsampled (min/max per bucket). */
  maxPointsPerSeries?: number;
  /** At most one live update of shown outputs per this many milliseconds. */
  liveUpdateMs?: number;
}

export interface VideoOptions {
  /** Frames per second: a positive number. */
  fps: number;
  /** x264 quality (lower is better, bigger); default 20. */
  crf?: number;
  /** Show encoding progress in the cell for videos of at least this many frames; default 120. */
  progressFromFrames?: number;
}

export interface VideoWriterOptions extends VideoOptions {
  width: number;
  height: number;
  /** 4 for RGBA (canvas ImageData), 3 for RGB, 1 for grayscale; default 4. */
  channels?: Channels;
}

/** A running encode of this plotter. */
interface EncodeHandle {
  encoder: VideoEncoder;
  fileName: string;
  name: string;
}

interface Series {
  steps: number[];
  values: Array<number | null>;
  /** Kept as points arrive, for the plain-text summary (no pass over the data per update). */
  min: number | null;
  max: number | null;
}

/** Live updates wait 9× as long as the last one took to build and send: at most 10% of the loop's time. */
const UPDATE_COST_SHARE_INVERSE = 9;

/** One human name check for metrics and videos. */
function checkName(kind: 'metric' | 'video', name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`metrics-plotter: a ${kind} name must be a non-empty string; got ${JSON.stringify(name)}.`);
  }
  if (kind === 'video' && (/[\\/\0]/.test(name) || name === '.' || name === '..' || name.includes('..'))) {
    throw new TypeError(
      `metrics-plotter: the video name ${JSON.stringify(name)} contains a path (/, \\ or ..). ` +
        'Video names are labels, not paths: use a plain name like "rollout-epoch-3".'
    );
  }
  return name;
}

/** Slower than one frame in 100 s or faster than 1000 a second is no video a browser plays. */
export const FPS_RANGE = { min: 0.01, max: 1000 } as const;

function checkFps(fps: unknown): number {
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) {
    throw new TypeError(`metrics-plotter: fps must be a positive number (e.g. { fps: 30 }); got ${String(fps)}.`);
  }
  if (fps < FPS_RANGE.min || fps > FPS_RANGE.max) {
    throw new RangeError(
      `metrics-plotter: fps is ${fps}; it must be between ${FPS_RANGE.min} and ${FPS_RANGE.max} frames a second (e.g. { fps: 30 }).`
    );
  }
  return fps;
}

function checkCrf(crf: unknown): void {
  if (crf !== undefined && !(typeof crf === 'number' && Number.isInteger(crf) && crf >= 0 && crf <= 51)) {
    throw new RangeError(
      `metrics-plotter: crf is ${String(crf)}; it must be a whole number from 0 (lossless) to 51 (smallest); default 20.`
    );
  }
}

function checkNumber(what: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`metrics-plotter: ${what} must be a number; got ${typeof value} ${JSON.stringify(value)}.`);
  }
  return value;
}

/** File names derived from labels: readable, safe on every OS, unique within the plotter. */
function fileStem(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return (stem || 'video').slice(0, 80);
}

export class MetricsPlotter implements ManagedPlotter {
  readonly id: string;
  readonly title: string;
  private readonly assets: AssetsOwner;
  private readonly series = new Map<string, Series>();
  private readonly videoEntries: VideoEntry[] = [];
  private readonly encoders = new Set<EncodeHandle>();
  private readonly views = new Map<string, KernelDisplay>();
  private readonly releasedViews = new Set<string>();
  private readonly maxPoints: number;
  private readonly liveUpdateMs: number;
  private lastUpdate = 0;
  /** The gap before the next live update: liveUpdateMs, or more when building updates got costly. */
  private updateGapMs: number;
  private updateTimer: NodeJS.Timeout | null = null;
  private finalReport: CleanupReport | null = null;
  private nextView = 0;

  constructor(options: MetricsPlotterOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('metrics-plotter: options must be an object like { title: "CartPole" }.');
    }
    this.title = options.title === undefined ? 'Metrics' : String(options.title);
    this.maxPoints = options.maxPointsPerSeries ?? 2000;
    if (!Number.isInteger(this.maxPoints) || this.maxPoints < 4) {
      throw new TypeError(
        `metrics-plotter: maxPointsPerSeries must be a whole number of at least 4; got ${options.maxPointsPerSeries}.`
      );
    }
    this.liveUpdateMs = options.liveUpdateMs ?? 250;
    this.updateGapMs = this.liveUpdateMs;
    const root = path.resolve(options.root ?? process.cwd());
    this.assets = new AssetsOwner(root);
    this.id = this.assets.id;
    // Plotters of killed kernels (SIGKILL, crash) ran no hook: their files are removed now.
    const swept = sweepOrphans(root);
    if (!swept.ok) console.error(cleanupFailureMessage(swept.failures));
    if (swept.kept?.length) {
      console.error(
        `metrics-plotter: ${swept.kept.length} path(s) under ${path.join(root, 'assets')} were left alone because they are ` +
          "not provably a plotter's own files; run `npx metrics-plotter clean` in that folder to see each one and why."
      );
    }
    kernelRegistry().add(this);
  }

  get closed(): boolean {
    return this.finalReport !== null;
  }

  /** The folder this plotter writes its videos into (created with the first video). */
  get assetsFolder(): string {
    return this.assets.dir;
  }

  get videos(): readonly VideoEntry[] {
    return this.videoEntries;
  }

  private ensureOpen(action: string): void {
    if (this.closed) {
      throw new Error(
        `metrics-plotter: cannot ${action}: the plotter "${this.title}" was closed (by close(), or because its ` +
          'output was closed in JupyterLab) and its videos were removed. Create a new MetricsPlotter.'
      );
    }
  }

  // ---- metrics -------------------------------------------------------------------------------

  /** Records one value of a metric; `step` defaults to the next index of that metric. */
  addScalar(name: string, value: number, step?: number): this {
    this.ensureOpen('add a metric');
    checkName('metric', name);
    checkNumber(`the value of "${name}"`, value);
    let s = this.series.get(name);
    if (step !== undefined) checkNumber(`the step of "${name}"`, step);
    if (!s) this.series.set(name, (s = { steps: [], values: [], min: null, max: null }));
    s.steps.push(step ?? (s.steps.length ? s.steps[s.steps.length - 1] + 1 : 0));
    const finite = Number.isFinite(value) ? value : null;
    s.values.push(finite);
    if (finite !== null) {
      if (s.min === null || finite < s.min) s.min = finite;
      if (s.max === null || finite > s.max) s.max = finite;
    }
    this.scheduleUpdate();
    return this;
  }

  /** Appends many values of one metric at once (steps continue from the last one). */
  addMetric(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): this {
    this.ensureOpen('add a metric');
    checkName('metric', name);
    if (!values || typeof values.length !== 'number') {
      throw new TypeError(`metrics-plotter: addMetric("${name}", values) needs an array of numbers.`);
    }
    if (steps !== undefined && steps.length !== values.length) {
      throw new TypeError(`metrics-plotter: addMetric("${name}") got ${values.length} values but ${steps.length} steps.`);
    }
    for (let i = 0; i < values.length; i++) checkNumber(`"${name}"[${i}]`, values[i]);
    const before = this.liveUpdateHold();
    for (let i = 0; i < values.length; i++) this.addScalar(name, values[i], steps?.[i]);
    before();
    return this;
  }

  /** Appends several metrics: `addMetrics({ loss: [...], reward: [...] })`. */
  addMetrics(metrics: Record<string, ArrayLike<number>>): this {
    if (!metrics || typeof metrics !== 'object') {
      throw new TypeError('metrics-plotter: addMetrics needs an object like { loss: [0.9, 0.5], reward: [1, 3] }.');
    }
    for (const [name, values] of Object.entries(metrics)) this.addMetric(name, values);
    return this;
  }

  /** Batches the updates of a bulk add into one. */
  private liveUpdateHold(): () => void {
    const saved = this.lastUpdate;
    this.lastUpdate = Number.POSITIVE_INFINITY;
    return () => {
      this.lastUpdate = saved;
      this.scheduleUpdate();
    };
  }

  // ---- videos --------------------------------------------------------------------------------

  /**
   * Encodes frames to an MP4 in this plotter's assets folder and adds it to the output.
   * All input is checked before any file is written.
   */
  async addVideoFromFrames(name: string, frames: FramesInput, options: VideoOptions): Promise<VideoEntry> {
    this.ensureOpen('add a video');
    checkName('video', name);
    if (!options || typeof options !== 'object') throw new TypeError('metrics-plotter: pass options like { fps: 30 }.');
    checkFps(options.fps);
    checkCrf(options.crf);
    const source = toFrameSource(frames);
    const writer = this.createVideoWriter(
      name,
      { ...options, width: source.width, height: source.height, channels: source.channels },
      source.count
    );
    try {
      for (let i = 0; i < source.count; i++) await writer.write(source.frame(i));
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.finish();
  }

  /**
   * The streaming form: frames are written one by one as they are produced, never all held.
   *   const w = plotter.createVideoWriter("rollout", { fps: 30, width: 64, height: 64 });
   *   for (...) await w.write(frame);  await w.finish();
   */
  createVideoWriter(name: string, options: VideoWriterOptions, expectedFrames?: number): VideoWriter {
    this.ensureOpen('add a video');
    checkName('video', name);
    if (!options || typeof options !== 'object')
      throw new TypeError('metrics-plotter: pass options like { fps: 30, width: 64, height: 64 }.');
    checkFps(options.fps);
    checkCrf(options.crf);
    const channels = options.channels ?? 4;
    if (channels !== 1 && channels !== 3 && channels !== 4) {
      throw new FrameError(`channels is ${channels}; it must be 1 (gray), 3 (RGB) or 4 (RGBA).`);
    }
    checkVideoSize(options.width, options.height);
    if (this.videoEntries.some(v => v.name === name) || [...this.encoders].some(e => e.name === name)) {
      throw new Error(`metrics-plotter: this plotter already has a video named "${name}"; give each video its own name.`);
    }
    const { name: fileName, path: output } = this.assets.claimFile(fileStem(name), '.mp4');
    let encoder: VideoEncoder;
    try {
      encoder = new VideoEncoder({
        output,
        fps: options.fps,
        width: options.width,
        height: options.height,
        channels,
        crf: options.crf
      });
    } catch (err) {
      this.discardFile(fileName);
      throw err;
    }
    const handle: EncodeHandle = { encoder, fileName, name };
    this.encoders.add(handle);
    return new VideoWriter(this, handle, name, options, expectedFrames);
  }

  /** @internal VideoWriter's way back in. */
  finishVideo(handle: EncodeHandle, entry: Omit<VideoEntry, 'path' | 'absolutePath'>): VideoEntry {
    try {
      this.assets.confirm(handle.fileName);
    } catch (err) {
      this.dropVideo(handle);
      throw err instanceof StorageError
        ? err
        : new StorageError(`could not record the finished video "${entry.name}": ${String(err)}. It was removed.`);
    }
    this.encoders.delete(handle);
    const absolutePath = this.assets.pathOf(handle.fileName);
    const video: VideoEntry = {
      ...entry,
      path: path.relative(this.assets.root, absolutePath).split(path.sep).join('/'),
      absolutePath
    };
    this.videoEntries.push(video);
    this.scheduleUpdate(true);
    return video;
  }

  /** @internal an encode ended without a video: its file goes, and our folder if it holds nothing. */
  dropVideo(handle: EncodeHandle): void {
    this.encoders.delete(handle);
    this.discardFile(handle.fileName);
  }

  private discardFile(fileName: string): void {
    const report = this.assets.discard(fileName);
    if (this.videoEntries.length === 0 && this.encoders.size === 0) this.assets.cleanup();
    if (!report.ok) console.error(cleanupFailureMessage(report.failures));
  }

  // ---- output --------------------------------------------------------------------------------

  /** The payload one view shows (see src/protocol). */
  toPayload(viewId: string): PlotterPayload {
    const { metrics, omittedMetrics } = metricsWithinBudget(this.series, this.maxPoints);
    return {
      protocol: 'metrics-plotter',
      version: PROTOCOL_VERSION,
      plotterId: this.id,
      viewId,
      title: this.title,
      kernel: { id: kernelIdFromArgv(), pid: process.pid, cwd: this.assets.root },
      state: this.closed ? 'closed' : 'live',
      metrics,
      ...(omittedMetrics ? { omittedMetrics } : {}),
      videos: this.videoEntries.map(v => ({ ...v })),
      ...(this.finalReport ? { cleanup: this.finalReport } : {})
    };
  }

  private summaryInput(): SummaryInput {
    const metrics = [...this.series].map(([name, s]) => ({
      name,
      points: s.steps.length,
      last: s.values.length ? s.values[s.values.length - 1] : null,
      min: s.min,
      max: s.max
    }));
    return { title: this.title, metrics, videos: this.videoEntries, closed: this.closed };
  }

  private bundle(viewId: string): Record<string, unknown> {
    const summary = this.summaryInput();
    return {
      [PLOTTER_MIME_TYPE]: this.toPayload(viewId),
      'text/html': summaryHtml(summary),
      'text/plain': summaryText(summary)
    };
  }

  /** Shows the plotter in the cell; later changes update this output in place. */
  show(): void {
    this.ensureOpen('show');
    const viewId = `v${this.nextView++}`;
    const display = new KernelDisplay();
    this.views.set(viewId, display);
    if (!display.send(this.bundle(viewId))) {
      // Not in a notebook (a plain node script): say what there is.
      this.views.delete(viewId);
      console.log(summaryText(this.summaryInput(), null));
    }
    this.lastUpdate = Date.now();
  }

  private sendUpdates(): void {
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = null;
    const started = Date.now();
    for (const [viewId, display] of this.views) {
      if (!this.releasedViews.has(viewId)) display.send(this.bundle(viewId));
    }
    this.lastUpdate = Date.now();
    // Live updates may take at most a tenth of the training loop's time, whatever the data size:
    // an update that cost c ms waits at least 9·c ms before the next one.
    this.updateGapMs = Math.max(this.liveUpdateMs, UPDATE_COST_SHARE_INVERSE * (this.lastUpdate - started));
  }

  /** Throttled live update; the timer is unref'd so it never keeps a finishing kernel alive. */
  private scheduleUpdate(now = false): void {
    if (this.views.size === 0 || this.updateTimer) return;
    const wait = this.lastUpdate + this.updateGapMs - Date.now();
    if (now || wait <= 0) {
      this.sendUpdates();
    } else if (Number.isFinite(wait)) {
      this.updateTimer = setTimeout(() => this.sendUpdates(), wait);
      this.updateTimer.unref();
    }
  }

  // ---- session end ---------------------------------------------------------------------------

  private endSession(): CleanupReport {
    if (this.finalReport) return this.finalReport;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = null;
    for (const handle of this.encoders) handle.encoder.abortSync('the plotter was closed');
    this.encoders.clear();
    this.finalReport = this.assets.cleanup();
    kernelRegistry().remove(this);
    return this.finalReport;
  }

  /**
   * Ends the session now: removes every file this plotter wrote. Outputs still shown switch to
   * their ended state. A failure is written to the cell with the paths left; it is also returned.
   */
  close(): CleanupReport {
    const first = !this.closed;
    const report = this.endSession();
    if (first) {
      this.sendFinalState();
      if (!report.ok) console.error(cleanupFailureMessage(report.failures));
    }
    return report;
  }

  private sendFinalState(): void {
    for (const [viewId, display] of this.views) {
      if (this.releasedViews.has(viewId)) continue;
      try {
        display.send(this.bundle(viewId));
      } catch {
        /* no cell is running ("Not ready"): the frontend learns of the end from the kernel's status */
      }
    }
  }

  releaseView(viewId: string): ReleaseReply {
    if (this.closed) return { plotterId: this.id, outcome: 'unknown' };
    if (this.views.has(viewId)) this.releasedViews.add(viewId);
    const shown = [...this.views.keys()].some(v => !this.releasedViews.has(v));
    if (shown) return { plotterId: this.id, outcome: 'kept' };
    return { plotterId: this.id, outcome: 'closed', report: this.endSession() };
  }

  endAtExit(): CleanupReport {
    return this.endSession();
  }

  interruptEncodes(): void {
    for (const handle of [...this.encoders]) {
      handle.encoder.abortSync('the kernel was interrupted');
      this.dropVideo(handle);
    }
  }
}

/** A video being written frame by frame (see MetricsPlotter.createVideoWriter). */
export class VideoWriter {
  private readonly progress: KernelDisplay | null;
  private readonly progressEvery: number;
  private lastProgress = 0;
  private ended = false;

  constructor(
    private readonly plotter: MetricsPlotter,
    private readonly handle: EncodeHandle,
    readonly name: string,
    private readonly options: VideoWriterOptions,
    private readonly expectedFrames?: number
  ) {
    const showFrom = options.progressFromFrames ?? 120;
    this.progress = runningInTslab() && (expectedFrames === undefined || expectedFrames >= showFrom) ? new KernelDisplay() : null;
    this.progressEvery = Math.max(1, Math.floor((expectedFrames ?? 1000) / 20));
  }

  get framesWritten(): number {
    return this.handle.encoder.framesWritten;
  }

  /** Writes one frame: `{ width, height, data }` or raw bytes of the writer's size and channels. */
  async write(frame: FrameImage | Uint8Array | Uint8ClampedArray): Promise<void> {
    if (this.ended) throw new EncodeError(`the video "${this.name}" was already finished or aborted.`);
    try {
      await this.writeFrame(frame);
    } catch (err) {
      // A bad frame ends the video: no stray ffmpeg keeps the kernel alive, no partial file stays.
      await this.abort();
      throw err;
    }
  }

  private async writeFrame(frame: FrameImage | Uint8Array | Uint8ClampedArray): Promise<void> {
    let bytes: Uint8Array;
    if (frame instanceof Uint8Array || frame instanceof Uint8ClampedArray) {
      bytes = frame as Uint8Array;
    } else {
      const c = imageChannels(frame, this.framesWritten);
      if (frame.width !== this.options.width || frame.height !== this.options.height || c !== (this.options.channels ?? 4)) {
        throw new FrameError(
          `frame ${this.framesWritten} is ${frame.width}x${frame.height} with ${c} channels, but the video ` +
            `"${this.name}" is ${this.options.width}x${this.options.height} with ${this.options.channels ?? 4}.`
        );
      }
      bytes = frame.data as Uint8Array;
    }
    await this.handle.encoder.write(bytes);
    if (this.progress && this.framesWritten - this.lastProgress >= this.progressEvery) {
      this.lastProgress = this.framesWritten;
      this.showProgress(false);
    }
  }

  private showProgress(done: boolean, bytes = 0): void {
    if (!this.progress) return;
    const total = this.expectedFrames;
    const text = done
      ? `Encoded "${this.name}": ${this.framesWritten} frames, ${(bytes / 1e6).toFixed(2)} MB.`
      : `Encoding "${this.name}": ${this.framesWritten}${total ? `/${total} frames (${Math.round((100 * this.framesWritten) / total)}%)` : ' frames'}…`;
    try {
      this.progress.send({ 'text/plain': text });
    } catch {
      /* progress is best effort */
    }
  }

  /** Finishes the MP4 and adds it to the plotter's output. */
  async finish(): Promise<VideoEntry> {
    if (this.ended) throw new EncodeError(`the video "${this.name}" was already finished or aborted.`);
    this.ended = true;
    if (this.framesWritten === 0) {
      await this.handle.encoder.abort();
      this.plotter.dropVideo(this.handle);
      throw new FrameError(`no frames were written to the video "${this.name}"; write at least one frame before finish().`);
    }
    let bytes: number;
    try {
      ({ bytes } = await this.handle.encoder.finish());
    } catch (err) {
      await this.handle.encoder.abort();
      this.plotter.dropVideo(this.handle);
      throw err;
    }
    if (this.plotter.closed) {
      // Interrupted or closed while ffmpeg finished: the plotter owns nothing any more.
      this.handle.encoder.abortSync('the plotter was closed');
      throw new EncodeError(`the plotter was closed while "${this.name}" was being encoded; the video was removed.`);
    }
    this.showProgress(true, bytes);
    return this.plotter.finishVideo(this.handle, {
      name: this.name,
      fps: this.options.fps,
      frames: this.framesWritten,
      width: this.options.width,
      height: this.options.height,
      bytes
    });
  }

  /** Stops the encode and removes its partial file. */
  async abort(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.handle.encoder.abort();
    this.plotter.dropVideo(this.handle);
  }
}
