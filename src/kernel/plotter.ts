/**
 * MetricsPlotter and Run: what a researcher uses in a notebook, and the logging calls both share
 * (RunLogging). Only the public classes live here; everything a plotter is lives behind them in its
 * core (plotter-core.ts), which none of their declarations name. The ways a session ends from
 * outside (a released output, process exit, an interrupt) reach the core through the kernel
 * registry: none of that is on the objects users get.
 */
import {
  DEFAULT_RUN,
  cleanupFailureMessage,
  type CleanupReport,
  type MediaEntry,
  type RunConfig,
  type RunStatus
} from '../protocol';
import {
  InputError,
  checkBaselineLabel,
  checkChannels,
  checkCrf,
  checkFps,
  checkKeepLast,
  checkKeepTo,
  checkMediaSize,
  checkMetricsObject,
  checkName,
  checkOptionsObject,
  checkRunConfig,
  checkRunName,
  checkStep
} from './input';
import { FramesInput, FrameImage, PackedFrames, toFrameSource, toSingleFrame } from './media/frames';
import type { VideoWriter } from './media/video-writer';
import {
  readPlotterOptions,
  type MediaOptions,
  type MetricsPlotterOptions,
  type RunEndOptions,
  type RunOptions,
  type VideoOptions,
  type VideoWriterOptions
} from './options';
import { summaryText } from './outputs/summary';
import { startWatch, type LogdirWatch, type WatchOptions } from './runs/logdir-watch';
import { PlotterCore, bindCore, coreOf } from './plotter-core';
import { linkWorker } from './workers/worker-link';
import type { ChildProcess } from 'child_process';
import type { Worker } from 'worker_threads';

/** What a RunLogging object logs to: a plotter's core, one of its runs, and whether it may still log. */
interface LogTarget {
  core: PlotterCore;
  run: string;
  /** Throws when the object can take no more data. */
  ensureLogging(action: string): void;
}

const targets = new WeakMap<RunLogging, LogTarget>();

function targetOf(logger: RunLogging): LogTarget {
  return targets.get(logger)!;
}

/**
 * What logs to one run: the plotter itself (its default run) and each of its runs log the same way.
 */
export abstract class RunLogging {
  // ---- metrics -------------------------------------------------------------------------------

  /** Records one value of a metric; `step` defaults to the next index of that metric. */
  addScalar(name: string, value: number, step?: number): this {
    const { core, run, ensureLogging } = targetOf(this);
    ensureLogging('add a metric');
    core.metrics.add(name, value, step, run);
    return this;
  }

  /** Appends many values of one metric at once (steps continue from the last one). */
  addMetric(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): this {
    const { core, run, ensureLogging } = targetOf(this);
    ensureLogging('add a metric');
    core.metrics.addBatch(name, values, steps, run);
    return this;
  }

  /** Appends several metrics: `addMetrics({ loss: [...], reward: [...] })`. */
  addMetrics(metrics: Record<string, ArrayLike<number>>): this {
    for (const [name, values] of Object.entries(checkMetricsObject(metrics))) this.addMetric(name, values);
    return this;
  }

  /**
   * Records the distribution of `values` (an array of numbers or a typed array: weights, gradients,
   * actions) at `step` (default: the one after this histogram's last), kept as bucket counts; NaN
   * and ±Infinity are counted apart. Drawn as TensorBoard's distributions over steps and, at the
   * step chosen, the histogram itself.
   */
  addHistogram(name: string, values: ArrayLike<number>, step?: number): this {
    const { core, run, ensureLogging } = targetOf(this);
    ensureLogging('add a histogram');
    core.histograms.add(name, values, step, run);
    return this;
  }

  // ---- media ---------------------------------------------------------------------------------

  /** The step an entry is logged at: the one given, or the latest metric step, or 0. */
  private stepOf(name: string, options: MediaOptions): number {
    if (options.step !== undefined) return checkStep(`the step of "${name}"`, options.step);
    const { core, run } = targetOf(this);
    return core.metrics.latestStepOf(run) ?? core.metrics.latestStep ?? 0;
  }

  /**
   * Encodes frames to an MP4 and adds it to `name`'s series at a step. All input is checked before
   * any file is written.
   */
  async addVideoFromFrames(name: string, frames: FramesInput, options: VideoOptions): Promise<MediaEntry> {
    targetOf(this).ensureLogging('add a video');
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
   * With `await using w = …` (TypeScript 5.2 or later, Deno), a writer left unfinished when its
   * scope ends is aborted and its partial file removed.
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
    const { core, run, ensureLogging } = targetOf(this);
    ensureLogging('add a video');
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
      run,
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
    const { core, run, ensureLogging } = targetOf(this);
    ensureLogging('add an image');
    checkName('media', name);
    checkOptionsObject(options, '{ step: 100 }');
    const keepLast = checkKeepLast(`"${name}":`, options.keepLast);
    const source = toSingleFrame(image);
    const step = this.stepOf(name, options);
    const writer = core.media.writer({
      kind: 'image',
      name,
      run,
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
    const to = checkKeepTo(options.to);
    const { core, run } = targetOf(this);
    return core.keep(run, checkName('media', name), step, to).absolutePath;
  }
}

export class MetricsPlotter extends RunLogging {
  readonly title: string;
  /** Every run begun with run(), by name, in the order they began (the same name returns the same one). */
  readonly #runs = new Map<string, Run>();

  constructor(options: MetricsPlotterOptions = {}) {
    super();
    const settings = readPlotterOptions(options);
    this.title = settings.title;
    const core = PlotterCore.open(settings);
    bindCore(this, core);
    targets.set(this, { core, run: DEFAULT_RUN, ensureLogging: action => core.ensureOpen(action) });
  }

  /** This plotter's id (also in its outputs). */
  get id(): string {
    return coreOf(this).id;
  }

  get closed(): boolean {
    return coreOf(this).closed;
  }

  /** The folder this plotter writes its media into (created with the first file). */
  get assetsFolder(): string {
    return coreOf(this).assetsFolder;
  }

  /** Every media entry on disk, by name, then step. */
  get media(): readonly MediaEntry[] {
    return coreOf(this).media.entries();
  }

  /** The video entries (`media` of kind "video"). */
  get videos(): readonly MediaEntry[] {
    return this.media.filter(e => e.kind === 'video');
  }

  /** Every run begun with run(), in the order they began. */
  get runs(): readonly Run[] {
    return [...this.#runs.values()];
  }

  /**
   * A run of this plotter's experiment (a setting of a sweep, a seed): it logs as the plotter does,
   * and every chart overlays its runs. The same name returns the same run; `config` is its flat
   * hyperparameters (numbers, strings, booleans), shown in the runs table and used to group runs.
   */
  run(name: string, options: RunOptions = {}): Run {
    const core = coreOf(this);
    core.ensureOpen('start a run');
    checkRunName(name);
    checkOptionsObject(options, '{ config: { lr: 3e-4, seed: 1 } }');
    const config = options.config === undefined ? undefined : checkRunConfig(name, options.config);
    core.runs.begin(name, config);
    let run = this.#runs.get(name);
    if (!run) this.#runs.set(name, (run = newRun(core, name)));
    return run;
  }

  /**
   * Follows a TensorBoard log directory: every folder of event files under it becomes a run of
   * this plotter (its scalars at their steps and wall times, its hparams as its config), and keeps
   * coming as jobs append points, restart into new files and start new run folders — written by
   * PyTorch, TensorFlow, tensorboardX or metrics-plotter/tensorboard, on any machine that shares
   * the folder. The log directory is only read: nothing is written there, and no cleanup touches
   * it. `close()` on the result, or on the plotter, stops following it.
   */
  watch(logdir: string, options: WatchOptions = {}): LogdirWatch {
    const core = coreOf(this);
    core.ensureOpen('watch a log directory');
    return startWatch(core, logdir, options);
  }

  /**
   * Pins a run as a baseline in this notebook: its series (thinned to a few hundred points each)
   * and config are kept in the notebook's metadata, and every later output of the notebook draws
   * them dashed, across restarts, re-runs and reopening, until unpinned in the output's Baselines
   * table. `run` defaults to the plotter's own logging; `label` names the baseline (default: the
   * run's name); pinning the same label from an output of the same title replaces it. The output's
   * page pins it (the kernel cannot write the notebook), once: the output must be shown. A run
   * that has logged no metrics throws an InputError.
   */
  pin(run: string = DEFAULT_RUN, options: { label?: string } = {}): void {
    checkOptionsObject(options, '{ label: "before the reward fix" }');
    if (run !== DEFAULT_RUN) checkRunName(run);
    const label = options.label === undefined ? undefined : checkBaselineLabel(options.label);
    coreOf(this).pin(run, label);
  }

  // ---- output --------------------------------------------------------------------------------

  /** Shows the plotter in the cell; later changes update this output in place. */
  show(): void {
    const core = coreOf(this);
    core.ensureOpen('show');
    // Not in a notebook (a plain Node script): say what there is.
    if (!core.outputs.show()) console.log(summaryText(core.summary(), null));
  }

  /**
   * Ends the session now: removes every file this plotter wrote. Outputs still shown switch to
   * their ended state. A failure is written to the cell with the paths left; it is also returned.
   */
  close(): CleanupReport {
    const core = coreOf(this);
    const first = !core.closed;
    const report = core.end('shown');
    if (first && !report.ok) console.error(cleanupFailureMessage(report.failures));
    return report;
  }
}

let newRun: (core: PlotterCore, name: string) => Run;

/** One run of a plotter (see MetricsPlotter.run): logs as the plotter does, into its own series. */
export class Run extends RunLogging {
  static {
    newRun = (core, name) => new Run(core, name);
  }

  readonly name: string;
  readonly #core: PlotterCore;

  /** Made by MetricsPlotter.run. */
  private constructor(core: PlotterCore, name: string) {
    super();
    this.#core = core;
    this.name = name;
    targets.set(this, { core, run: name, ensureLogging: action => this.ensureLogging(action) });
  }

  private ensureLogging(action: string): void {
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

  /**
   * Lets a worker log into this run: a `worker_threads` Worker, or a child made by
   * `child_process.fork`, in which `runLogger()` (from "metrics-plotter/worker") has the same
   * logging calls. A worker thread's frames move to the kernel rather than being copied; a worker
   * waits rather than grow the kernel's memory; one that dies before closing its logger marks the
   * run failed. docs/workers.md.
   */
  logFrom(worker: Worker | ChildProcess): this {
    this.ensureLogging('log from a worker');
    // The link stops at the session's end, or is forgotten once its worker exited (a run fed by
    // many short-lived workers keeps none of them).
    let forget = (): void => undefined;
    const stop = linkWorker(
      {
        name: this.name,
        addMetric: (name, values, steps) => this.addMetric(name, values, steps),
        addCountedHistogram: (name, histogram, step) => {
          this.ensureLogging('add a histogram');
          this.#core.histograms.record(name, histogram, step, this.name);
        },
        addImage: (name, image, options) => this.addImage(name, image, options),
        addVideoFromFrames: (name, frames, options) => this.addVideoFromFrames(name, frames, options),
        fail: () => {
          if (!this.#core.closed && this.status === 'running') this.#core.runs.end(this.name, true);
        }
      },
      worker,
      () => forget()
    );
    forget = this.#core.untilEnd(stop);
    return this;
  }

  /** The run is over: finished, or `{ failed: true }`. Its data stay in the plotter's outputs. */
  end(options: RunEndOptions = {}): void {
    this.#core.ensureOpen('end a run');
    checkOptionsObject(options, '{ failed: true }');
    this.#core.runs.end(this.name, options.failed === true);
  }
}
