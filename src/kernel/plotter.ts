/**
 * MetricsPlotter and Run: what a researcher uses in a notebook. A plotter collects metrics
 * (MetricsStore) and media logged over training steps (MediaLibrary), for its own logging and for
 * each of its runs (Runs), shows them inline (LiveOutputs, through the JupyterLab extension), and
 * owns the files it writes until its session ends. The ways a session
 * ends from outside (a released output, process exit, an interrupt) reach it through the kernel
 * registry, on an object of its own: none of that is on the object users get.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  DEFAULT_RUN,
  PLOTTER_MIME_TYPE,
  PROTOCOL_VERSION,
  RunConfig,
  RunInfo,
  RunStatus,
  CleanupReport,
  MediaEntry,
  MEDIA_CHUNK_BYTES,
  MemoryBound,
  PlotterPayload,
  ReleaseReply,
  cleanupFailureMessage,
  seriesKey
} from '../protocol';
import { AssetsOwner } from './files/owner';
import { sweepOrphans } from './files/sweep';
import { FramesInput, FrameImage, PackedFrames, Channels, toFrameSource, toSingleFrame } from './media/frames';
import {
  InputError,
  checkChannels,
  checkCrf,
  checkFps,
  checkKeepLast,
  checkMaxEncodes,
  checkMemoryBoundMB,
  checkMediaSize,
  checkName,
  checkOptionsObject,
  checkRunConfig,
  checkRunName,
  checkStep
} from './input';
import { kernelId, oneWayKernel, pushedPointsChannel } from './host/notebook';
import {
  kernelRegistry,
  writeToServerLog,
  type Answer,
  type ManagedPlotter,
  type PageComm,
  type PlotterRequest
} from './host/registry';
import { EncodePool, defaultEncodeLimit } from './media/encode-pool';
import { MediaLibrary, VideoWriter, freePath, mediaFileStem } from './media/library';
import { MetricsStore, defaultMemoryBoundBytes } from './metrics/store';
import { metricsWithinBudget, savedMetricsBudget, STATIC_CHARTS_BYTES, STILLS_BYTES } from './metrics/saved-budget';
import { LiveOutputs, type SessionEnd } from './outputs/live-outputs';
import { LiveStream } from './outputs/live-stream';
import { installCommand, summaryHtml, summaryText, type SummaryInput } from './outputs/summary';
import { staticCharts } from './outputs/static-charts';
import { staticStills } from './outputs/static-stills';
import { Runs } from './runs/runs';

export interface MetricsPlotterOptions {
  /** Shown above the charts. */
  title?: string;
  /** The notebook's folder, where assets/ goes. Default: the kernel's working folder (tslab never changes it). */
  root?: string;
  /** Points per series sent to the notebook; longer series are downsampled (min/max per bucket). */
  maxPointsPerSeries?: number;
  /** At most one live update of shown outputs per this many milliseconds. */
  liveUpdateMs?: number;
  /** Keep only the last N entries of each media name on disk (older files are deleted). Default: all. */
  keepLast?: number;
  /**
   * Megabytes the kernel may keep points in (12 to 16 bytes a point); past it, older detail of every series
   * is merged into min/max buckets instead of growing, and the output says so. Default: an eighth of
   * the machine's memory.
   */
  memoryBoundMB?: number;
  /**
   * At most this many encodes (ffmpeg processes) run at once; the others wait for their turn, in
   * the order they were logged, holding only the frames their caller made. Default: one per core.
   */
  maxEncodes?: number;
}

export interface MediaOptions {
  /** The training step; default: the latest step of any metric, or 0. */
  step?: number;
  /** Keep only the last N entries of this name on disk, from now on. */
  keepLast?: number;
}

export interface VideoOptions extends MediaOptions {
  /** Frames per second, from 0.01 to 1000. */
  fps: number;
  /** x264 quality (lower is better, bigger), 0 to 51; default 20. */
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

/** The payload's `kernel.oneWay`, when the page cannot send to this kernel. */
function oneWay(): { oneWay?: string } {
  const name = oneWayKernel();
  return name ? { oneWay: name } : {};
}

/**
 * Told once the queue of encodes grows past four turns' worth, and again each time it doubles: a
 * loop that logs rollouts faster than the machine encodes them keeps every waiting rollout's frames.
 */
function warnOfBacklog(waiting: number, maxEncodes: number): void {
  const first = 4 * maxEncodes;
  if (waiting < first || !Number.isInteger(Math.log2(waiting / first))) return;
  console.error(
    `metrics-plotter: ${waiting} videos are waiting to be encoded (${maxEncodes} at a time: the plotter's maxEncodes). ` +
      'Each keeps its frames in memory until its turn: log rollouts less often, await addVideoFromFrames, ' +
      'or raise maxEncodes on a machine with cores to spare.'
  );
}

/** Everything a plotter is, behind the object users get. */
class PlotterCore implements ManagedPlotter {
  readonly id: string;
  readonly metrics: MetricsStore;
  readonly runs = new Runs();
  readonly media: MediaLibrary;
  readonly outputs: LiveOutputs;
  /** Live detail for the extension's views over its comm. */
  readonly stream: LiveStream;
  /** The objects `run(name)` returned, by name (the same name returns the same one). */
  readonly runObjects = new Map<string, Run>();
  private readonly assets: AssetsOwner;
  private finalReport: CleanupReport | null = null;

  constructor(
    readonly title: string,
    root: string,
    private readonly maxPoints: number,
    liveUpdateMs: number,
    keepLast: number | undefined,
    memoryBoundBytes: number,
    maxEncodes: number
  ) {
    this.metrics = new MetricsStore(Date.now, memoryBoundBytes);
    this.assets = new AssetsOwner(root);
    this.id = this.assets.id;
    this.media = new MediaLibrary(
      this.assets,
      keepLast,
      () => this.outputs.changed(true),
      new EncodePool(maxEncodes, waiting => warnOfBacklog(waiting, maxEncodes))
    );
    this.stream = new LiveStream(this.metrics);
    // No page can subscribe to a one-way kernel: every view's points go to every page.
    const pushed = pushedPointsChannel();
    if (pushed) this.stream.pushTo(pushed);
    this.outputs = new LiveOutputs(
      viewId => this.bundle(viewId),
      liveUpdateMs,
      {
        streams: viewId => this.stream.streams(viewId),
        push: () => this.stream.push(this.id)
      },
      () => kernelRegistry().rendersWidgets
    );
  }

  get root(): string {
    return this.assets.root;
  }

  get assetsFolder(): string {
    return this.assets.dir;
  }

  get closed(): boolean {
    return this.finalReport !== null;
  }

  ensureOpen(action: string): void {
    if (this.closed) {
      throw new InputError(
        `cannot ${action}: the plotter "${this.title}" was closed (by close(), or because its output was closed in ` +
          'JupyterLab) and its files were removed. Create a new MetricsPlotter.'
      );
    }
  }

  /** The payload one view shows (see src/protocol). */
  payload(viewId: string): PlotterPayload {
    const startedAt = this.metrics.startedAt ?? undefined;
    const media = this.media.entries().map(e => ({ ...e }));
    // Media entries (about 250 bytes each) share the saved output's budget with the metrics.
    const budget = savedMetricsBudget(Buffer.byteLength(JSON.stringify(media)));
    const { metrics, omittedMetrics } = metricsWithinBudget(this.metrics.series, this.maxPoints, budget, startedAt);
    const retired = this.media.retired();
    const runs = this.runList();
    return {
      protocol: 'metrics-plotter',
      version: PROTOCOL_VERSION,
      plotterId: this.id,
      viewId,
      title: this.title,
      kernel: { id: kernelId(), pid: process.pid, cwd: this.assets.root, ...oneWay() },
      state: this.closed ? 'closed' : 'live',
      ...(startedAt !== undefined ? { startedAt } : {}),
      metrics,
      ...(omittedMetrics ? { omittedMetrics } : {}),
      ...this.memoryBound(),
      media,
      ...(Object.keys(retired).length ? { retired } : {}),
      ...(runs ? { runs } : {}),
      ...(this.finalReport ? { cleanup: this.finalReport } : {})
    };
  }

  /** The memory bound, once the points reached it. */
  private memoryBound(): { memoryBound?: MemoryBound } {
    const m = this.metrics;
    return m.boundReached ? { memoryBound: { bytes: m.boundBytes, mergedPoints: m.mergedLogged } } : {};
  }

  /** The runs outputs list; null while the plotter has only its default run. */
  runList(): RunInfo[] | null {
    if (!this.runs.any) return null;
    const defaultHasData = this.metrics.hasRun(DEFAULT_RUN) || this.media.entries().some(e => !e.run);
    return this.runs.list(defaultHasData);
  }

  summary(): SummaryInput {
    return {
      title: this.title,
      metrics: this.metrics.stats(),
      media: this.media.entries(),
      runs: this.runList() ?? [],
      ...this.memoryBound(),
      closed: this.closed
    };
  }

  bundle(viewId: string): Record<string, unknown> {
    const summary = this.summary();
    const payload = this.payload(viewId);
    const charts =
      staticCharts(payload.metrics, payload.runs ?? [], STATIC_CHARTS_BYTES) + staticStills(this.media.stills(), STILLS_BYTES);
    return {
      [PLOTTER_MIME_TYPE]: payload,
      'text/html': summaryHtml(summary, installCommand(), charts),
      'text/plain': summaryText(summary)
    };
  }

  /**
   * Ends the session once: stops encodes, removes every file, closes the views' widget models,
   * leaves the registry. `how`: whether the outputs can show the end (see SessionEnd).
   */
  end(how: SessionEnd): CleanupReport {
    if (this.finalReport) return this.finalReport;
    this.outputs.stop();
    this.finalReport = this.media.end();
    this.outputs.end(how);
    kernelRegistry().ended(this, this.finalReport);
    return this.finalReport;
  }

  // ManagedPlotter: what the kernel registry calls.
  releaseView(viewId: string): ReleaseReply {
    if (this.closed) return { plotterId: this.id, outcome: 'unknown' };
    if (!this.outputs.release(viewId)) return { plotterId: this.id, outcome: 'kept' };
    return { plotterId: this.id, outcome: 'closed', report: this.end('released') };
  }

  setWatched(watched: boolean): void {
    if (this.closed) return;
    if (watched) return this.media.watch();
    // No page shows it: its files go; no cell runs to show a failure, so the server's log does.
    const report = this.media.unwatch();
    if (!report.ok) writeToServerLog(cleanupFailureMessage(report.failures));
  }

  /**
   * Keeps a media entry for good (see RunLogging.keep): checks everything before moving anything,
   * then moves its file to `to` (relative to the notebook's folder) or to `<name>-step<step><ext>`
   * there, the first such name that is free. Returns the kept entry.
   */
  keep(run: string, name: string, step: number | undefined, to: string | undefined): MediaEntry {
    this.ensureOpen('keep a media entry');
    const key = seriesKey({ name, run });
    const entries = this.media.entries().filter(e => seriesKey(e) === key);
    const of = run ? ` of the run "${run}"` : '';
    if (!entries.length) {
      const names = [
        ...new Set(
          this.media
            .entries()
            .filter(e => (e.run ?? '') === run)
            .map(e => JSON.stringify(e.name))
        )
      ];
      throw new InputError(
        `there is no media named ${JSON.stringify(name)}${of} to keep; ` +
          (names.length
            ? `its media names are ${names.join(', ')}.`
            : 'nothing was logged with addVideoFromFrames or addImage yet.')
      );
    }
    const entry = step === undefined ? entries[entries.length - 1] : entries.find(e => e.step === step);
    if (!entry) {
      throw new InputError(
        `"${name}"${of} has no entry at step ${step}; its steps are ${entries.map(e => e.step).join(', ')}. Nothing was moved.`
      );
    }
    if (entry.kept) return entry;
    const ext = path.extname(entry.absolutePath);
    const root = this.assets.root;
    const destination =
      to === undefined ? freePath(root, `${mediaFileStem(name)}-step${entry.step}`, ext) : path.resolve(root, to);
    const exists = (): InputError =>
      new InputError(
        `cannot keep "${name}" as ${destination}: that file exists, and keep never overwrites. Choose another name. Nothing was moved.`
      );
    if (to !== undefined) {
      if (destination.startsWith(this.assets.dir + path.sep) || destination === this.assets.dir) {
        throw new InputError(
          `cannot keep "${name}" in ${this.assets.dir}: that is the plotter's own folder, removed with the session. Choose a path outside it. Nothing was moved.`
        );
      }
      if (!fs.existsSync(path.dirname(destination))) {
        throw new InputError(
          `cannot keep "${name}" as ${destination}: the folder ${path.dirname(destination)} does not exist. Nothing was moved.`
        );
      }
      if (fs.existsSync(destination)) throw exists();
    }
    try {
      return this.media.keep(key, entry.step, destination)!;
    } catch (err) {
      // Made between the check and the move: still never overwritten.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
      throw err;
    }
  }

  answer(request: PlotterRequest, comm: PageComm): Answer {
    const plotterId = this.id;
    switch (request.request) {
      case 'unsubscribe':
        this.stream.unsubscribe(comm, request.viewId);
        return { data: { reply: 'unsubscribe', plotterId }, buffers: [] };
      case 'subscribe': {
        const { series, buffers } = this.stream.subscribe(comm, request.viewId, request.points);
        return { data: { reply: 'subscribe', plotterId, known: true, startedAt: this.metrics.startedAt, series }, buffers };
      }
      case 'range': {
        const { axis, min, max } = request;
        const { series, buffers } = this.stream.range(axis, min, max, request.points);
        return { data: { reply: 'range', plotterId, known: true, axis, min, max, series }, buffers };
      }
      case 'keep': {
        const entry = this.media.entries().find(e => e.path === request.path);
        if (!entry)
          return {
            data: { reply: 'keep', plotterId, path: request.path, error: 'that entry is no longer in the plotter' },
            buffers: []
          };
        try {
          const kept = this.keep(entry.run ?? DEFAULT_RUN, entry.name, entry.step, undefined);
          return { data: { reply: 'keep', plotterId, path: request.path, keptAs: kept.path }, buffers: [] };
        } catch (err) {
          return { data: { reply: 'keep', plotterId, path: request.path, error: (err as Error).message }, buffers: [] };
        }
      }
      case 'media': {
        const { path, offset } = request;
        const { state, size, bytes } = this.media.readChunk(path, offset, MEDIA_CHUNK_BYTES);
        const data = { reply: 'media' as const, plotterId, known: true, path, state, size, offset };
        return { data, buffers: bytes.length ? [bytes] : [] };
      }
    }
  }

  dropComm(comm: PageComm): void {
    this.stream.dropComm(comm);
  }

  widgetsRendered(): void {
    if (!this.closed) this.outputs.openWidgets();
  }

  endAtExit(): CleanupReport {
    return this.end('exiting');
  }

  interruptEncodes(): void {
    this.media.interrupt();
  }
}

const cores = new WeakMap<MetricsPlotter, PlotterCore>();

/** @internal The plotter's insides, for this package's benchmarks and tests; not part of the API. */
export function plotterInternals(plotter: MetricsPlotter): PlotterCore {
  return cores.get(plotter)!;
}

/**
 * What logs to one run: the plotter itself (its default run) and each of its runs log the same way.
 */
export abstract class RunLogging {
  /** @internal the run this object logs to */
  protected abstract readonly runName: string;

  /** @internal the plotter behind it */
  protected abstract core(): PlotterCore;

  /** @internal throws when this object can take no more data */
  protected abstract ensureLogging(action: string): void;

  // ---- metrics -------------------------------------------------------------------------------

  /** Records one value of a metric; `step` defaults to the next index of that metric. */
  addScalar(name: string, value: number, step?: number): this {
    const core = this.core();
    this.ensureLogging('add a metric');
    core.metrics.add(name, value, step, this.runName);
    core.outputs.changed();
    return this;
  }

  /** Appends many values of one metric at once (steps continue from the last one). */
  addMetric(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): this {
    const core = this.core();
    this.ensureLogging('add a metric');
    core.metrics.checkBatch(name, values, steps);
    core.outputs.batch(() => {
      for (let i = 0; i < values.length; i++) core.metrics.add(name, values[i], steps?.[i], this.runName);
    });
    return this;
  }

  /** Appends several metrics: `addMetrics({ loss: [...], reward: [...] })`. */
  addMetrics(metrics: Record<string, ArrayLike<number>>): this {
    if (!metrics || typeof metrics !== 'object') {
      throw new InputError('addMetrics needs an object like { loss: [0.9, 0.5], reward: [1, 3] }.');
    }
    for (const [name, values] of Object.entries(metrics)) this.addMetric(name, values);
    return this;
  }

  // ---- media ---------------------------------------------------------------------------------

  /** The step an entry is logged at: the one given, or the latest metric step, or 0. */
  private stepOf(name: string, options: MediaOptions): number {
    if (options.step !== undefined) return checkStep(`the step of "${name}"`, options.step);
    const metrics = this.core().metrics;
    return metrics.latestStepOf(this.runName) ?? metrics.latestStep ?? 0;
  }

  /**
   * Encodes frames to an MP4 and adds it to `name`'s series at a step. All input is checked before
   * any file is written.
   */
  async addVideoFromFrames(name: string, frames: FramesInput, options: VideoOptions): Promise<MediaEntry> {
    this.ensureLogging('add a video');
    checkName('media', name);
    checkOptionsObject(options, '{ fps: 30 }');
    checkFps(options.fps);
    checkCrf(options.crf);
    const source = toFrameSource(frames);
    const writer = this.startVideo(
      name,
      { ...options, width: source.width, height: source.height, channels: source.channels },
      { expectedFrames: source.count, stableFrames: true }
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
   *   const w = plotter.createVideoWriter("rollout", { fps: 30, width: 64, height: 64, step });
   *   for (...) await w.write(frame);  await w.finish();
   */
  createVideoWriter(name: string, options: VideoWriterOptions, expectedFrames?: number): VideoWriter {
    // The user's frames may be a buffer they refill for the next frame: the encoder copies them.
    return this.startVideo(name, options, { expectedFrames, stableFrames: false });
  }

  private startVideo(
    name: string,
    options: VideoWriterOptions,
    source: { expectedFrames?: number; stableFrames: boolean }
  ): VideoWriter {
    const core = this.core();
    this.ensureLogging('add a video');
    checkName('media', name);
    checkOptionsObject(options, '{ fps: 30, width: 64, height: 64 }');
    checkFps(options.fps);
    checkCrf(options.crf);
    const channels = checkChannels(options.channels ?? 4);
    checkMediaSize(options.width, options.height);
    const keepLast = checkKeepLast(`"${name}":`, options.keepLast);
    const step = this.stepOf(name, options);
    return core.media.writer({
      kind: 'video',
      name,
      run: this.runName,
      step,
      fps: options.fps,
      crf: options.crf,
      keepLast,
      width: options.width,
      height: options.height,
      channels,
      progressFromFrames: options.progressFromFrames ?? 120,
      ...source
    });
  }

  /**
   * Adds one image (a PNG) to `name`'s series at a step: `{ width, height, data }` (RGBA or RGB),
   * or packed as [H, W, C] or [1, H, W, C] (uint8, or floats in [0, 1]).
   */
  async addImage(name: string, image: FrameImage | PackedFrames, options: MediaOptions = {}): Promise<MediaEntry> {
    const core = this.core();
    this.ensureLogging('add an image');
    checkName('media', name);
    checkOptionsObject(options, '{ step: 100 }');
    const keepLast = checkKeepLast(`"${name}":`, options.keepLast);
    const source = toSingleFrame(image);
    const step = this.stepOf(name, options);
    const writer = core.media.writer({
      kind: 'image',
      name,
      run: this.runName,
      step,
      fps: 1,
      keepLast,
      width: source.width,
      height: source.height,
      channels: source.channels,
      progressFromFrames: Infinity,
      stableFrames: true
    });
    await writer.write(source.frame(0));
    return writer.finish();
  }

  /**
   * Keeps one media entry for good: its file moves out of the plotter's folder into the notebook's
   * folder (or to `to`, relative to it), under a name that overwrites nothing, and from then on it
   * is yours: no session end removes it, and its card says where it went. `step` defaults to the
   * latest entry of `name`. Returns the kept file's absolute path. A name or step this has not
   * logged, a `to` that exists, or a call after close() throws an InputError and moves nothing.
   */
  keep(name: string, options: { step?: number; to?: string } = {}): string {
    checkOptionsObject(options, '{ step: 100, to: "best-rollout.mp4" }');
    const step = options.step === undefined ? undefined : checkStep('step', options.step);
    if (options.to !== undefined && (typeof options.to !== 'string' || !options.to)) {
      throw new InputError(`to must be a file path (relative to the notebook's folder); got ${JSON.stringify(options.to)}.`);
    }
    return this.core().keep(this.runName, checkName('media', name), step, options.to).absolutePath;
  }
}

export class MetricsPlotter extends RunLogging {
  readonly title: string;
  /** @internal */
  protected readonly runName = DEFAULT_RUN;

  constructor(options: MetricsPlotterOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new InputError('options must be an object like { title: "CartPole" }.');
    }
    const maxPoints = options.maxPointsPerSeries ?? 2000;
    if (!Number.isInteger(maxPoints) || maxPoints < 4) {
      throw new InputError(`maxPointsPerSeries must be a whole number of at least 4; got ${options.maxPointsPerSeries}.`);
    }
    const keepLast = checkKeepLast("the plotter's", options.keepLast);
    const memoryBound = checkMemoryBoundMB(options.memoryBoundMB) ?? defaultMemoryBoundBytes();
    const maxEncodes = checkMaxEncodes(options.maxEncodes) ?? defaultEncodeLimit();
    this.title = options.title === undefined ? 'Metrics' : String(options.title);
    const root = path.resolve(options.root ?? process.cwd());
    const core = new PlotterCore(this.title, root, maxPoints, options.liveUpdateMs ?? 250, keepLast, memoryBound, maxEncodes);
    cores.set(this, core);
    // Plotters of killed kernels (SIGKILL, crash) ran no hook: their files are removed now.
    const swept = sweepOrphans(root);
    if (!swept.ok) console.error(cleanupFailureMessage(swept.failures));
    if (swept.kept?.length) {
      console.error(
        `metrics-plotter: ${swept.kept.length} path(s) under ${path.join(root, 'assets')} were left alone because they are ` +
          "not provably a plotter's own files; run `npx metrics-plotter clean` in that folder to see each one and why."
      );
    }
    kernelRegistry().add(core);
  }

  /** This plotter's id (also in its outputs). */
  get id(): string {
    return plotterInternals(this).id;
  }

  get closed(): boolean {
    return plotterInternals(this).closed;
  }

  /** The folder this plotter writes its media into (created with the first file). */
  get assetsFolder(): string {
    return plotterInternals(this).assetsFolder;
  }

  /** Every media entry on disk, by name, then step. */
  get media(): readonly MediaEntry[] {
    return plotterInternals(this).media.entries();
  }

  /** The video entries (`media` of kind "video"). */
  get videos(): readonly MediaEntry[] {
    return this.media.filter(e => e.kind === 'video');
  }

  /** @internal */
  protected core(): PlotterCore {
    return plotterInternals(this);
  }

  /** @internal */
  protected ensureLogging(action: string): void {
    this.core().ensureOpen(action);
  }

  /** Every run begun with run(), in the order they began. */
  get runs(): readonly Run[] {
    return [...this.core().runObjects.values()];
  }

  /**
   * A run of this plotter's experiment (a setting of a sweep, a seed): it logs as the plotter does,
   * and every chart overlays its runs. The same name returns the same run; `config` is its flat
   * hyperparameters (numbers, strings, booleans), shown in the runs table and used to group runs.
   */
  run(name: string, options: RunOptions = {}): Run {
    const core = this.core();
    core.ensureOpen('start a run');
    checkRunName(name);
    checkOptionsObject(options, '{ config: { lr: 3e-4, seed: 1 } }');
    const config = options.config === undefined ? undefined : checkRunConfig(name, options.config);
    core.runs.begin(name, config);
    let run = core.runObjects.get(name);
    if (!run) core.runObjects.set(name, (run = new Run(core, name)));
    core.outputs.changed();
    return run;
  }

  // ---- output --------------------------------------------------------------------------------

  /** Shows the plotter in the cell; later changes update this output in place. */
  show(): void {
    const core = plotterInternals(this);
    core.ensureOpen('show');
    // Not in a notebook (a plain Node script): say what there is.
    if (!core.outputs.show()) console.log(summaryText(core.summary(), null));
  }

  /**
   * Ends the session now: removes every file this plotter wrote. Outputs still shown switch to
   * their ended state. A failure is written to the cell with the paths left; it is also returned.
   */
  close(): CleanupReport {
    const core = plotterInternals(this);
    const first = !core.closed;
    const report = core.end('shown');
    if (first && !report.ok) console.error(cleanupFailureMessage(report.failures));
    return report;
  }
}

export { VideoWriter };

export interface RunOptions {
  /** The run's hyperparameters: flat, finite numbers, strings and booleans. */
  config?: RunConfig;
}

export interface RunEndOptions {
  /** The run failed (diverged, crashed); the runs table says so. */
  failed?: boolean;
}

/** One run of a plotter (see MetricsPlotter.run): logs as the plotter does, into its own series. */
export class Run extends RunLogging {
  readonly name: string;
  /** @internal */
  protected readonly runName: string;
  readonly #core: PlotterCore;

  /** @internal made by MetricsPlotter.run */
  constructor(core: PlotterCore, name: string) {
    super();
    this.#core = core;
    this.name = name;
    this.runName = name;
  }

  /** @internal */
  protected core(): PlotterCore {
    return this.#core;
  }

  /** @internal */
  protected ensureLogging(action: string): void {
    this.#core.ensureOpen(action);
    const status = this.#core.runs.status(this.name);
    if (status !== 'running') {
      throw new InputError(
        `cannot ${action} to the run "${this.name}": it ${status} (run.end() was called). Log to a new run instead.`
      );
    }
  }

  get config(): Readonly<RunConfig> {
    return this.#core.runs.config(this.name);
  }

  get status(): RunStatus {
    return this.#core.runs.status(this.name);
  }

  /** The run is over: finished, or `{ failed: true }`. Its data stay in the plotter's outputs. */
  end(options: RunEndOptions = {}): void {
    this.#core.ensureOpen('end a run');
    checkOptionsObject(options, '{ failed: true }');
    this.#core.runs.end(this.name, options.failed === true);
    this.#core.outputs.changed();
  }
}
