/**
 * SummaryWriter: a TypeScript training script (or a notebook) writes TensorBoard event files that
 * TensorBoard, W&B (`wandb sync`, `sync_tensorboard`) and this plotter read, with the plotter's
 * logging calls, under the name PyTorch and tensorboardX give it. A run's folder of event files is
 * the user's data, meant to last: nothing here ever removes a file. docs/tensorboard.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onExit } from 'signal-exit';
import {
  InputError,
  checkFps,
  checkMetricBatch,
  checkMetricsObject,
  checkName,
  checkNumber,
  checkOptionsObject,
  checkRunConfig,
  nextStep
} from '../input';
import { encodeGif } from '../media/encode-gif';
import { toFrameSource, toSingleFrame, type FrameImage, type FramesInput, type PackedFrames } from '../media/frames';
import { histogramOf } from '../metrics/histogram';
import { HPARAMS, encodeEvent, encodeSessionStartInfo, type TbValueToWrite } from './messages';
import { encodePng } from './png';
import { frameRecord } from './records';
import { scalarEventRecord } from './scalar-events';

export interface SummaryWriterOptions {
  /** The run's hyperparameters, written as the hparams plugin's session start info (TensorBoard's HParams dashboard, W&B's config). */
  config?: Record<string, number | string | boolean>;
  /** Events are written to the file at least this often, in seconds; default 2 (PyTorch: 120). */
  flushSecs?: number;
  /** Appended to the event file's name, as PyTorch's `filename_suffix`. */
  filenameSuffix?: string;
}

/** Event files made by this process so far: the last part of each name, as tensorboardX numbers them. */
let filesMade = 0;

/** TensorBoard's steps are whole numbers (int64). */
function checkWholeStep(tag: string, step: number): void {
  if (!Number.isSafeInteger(step))
    throw new InputError(
      `the step of "${tag}" must be a whole number for TensorBoard (its steps are integers); got ${step}. Round it, or count steps.`
    );
}

export class SummaryWriter {
  /** The run's folder. */
  readonly logDir: string;
  /** The event file this writer appends to. */
  readonly file: string;
  readonly #fd: number;
  /** Framed records not yet written to the file. */
  #pending: Buffer[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  #removeExitHook: () => void = () => undefined;
  /** The last step of each tag, for calls without one. */
  readonly #lastStep = new Map<string, number>();
  /** Each tag's UTF-8, encoded once. */
  readonly #tagBytes = new Map<string, Buffer>();
  /** Videos still being made into GIFs: the file closes after them. */
  readonly #encoding = new Set<Promise<unknown>>();
  #closed = false;
  #fileClosed = false;

  constructor(logDir: string, options: SummaryWriterOptions = {}) {
    if (typeof logDir !== 'string' || !logDir)
      throw new InputError(`logDir must be a folder path; got ${JSON.stringify(logDir)}.`);
    checkOptionsObject(options, '{ config: { lr: 3e-4 } }');
    const config = options.config === undefined ? undefined : checkRunConfig(logDir, options.config);
    const flushSecs = options.flushSecs ?? 2;
    if (!(typeof flushSecs === 'number' && flushSecs > 0))
      throw new InputError(`flushSecs must be a positive number of seconds; got ${flushSecs}.`);
    this.logDir = path.resolve(logDir);
    fs.mkdirSync(this.logDir, { recursive: true });
    const now = Date.now() / 1000;
    const name = `events.out.tfevents.${String(Math.floor(now)).padStart(10, '0')}.${os.hostname()}.${process.pid}.${filesMade++}${options.filenameSuffix ?? ''}`;
    this.file = path.join(this.logDir, name);
    // 'wx': a file of that name is someone else's; never written over.
    this.#fd = fs.openSync(this.file, 'wx');
    this.#write({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' });
    if (config) {
      const content = encodeSessionStartInfo(config, '', now);
      this.#write({
        wallTime: now,
        step: 0,
        values: [{ tag: HPARAMS.sessionStartTag, plugin: HPARAMS.plugin, pluginContent: content, tensor: 'null' }]
      });
    }
    this.flush();
    this.#timer = setInterval(() => this.flush(), flushSecs * 1000);
    this.#timer.unref();
    // A script that ends (or is stopped by SIGTERM, SIGHUP) without close() keeps what it logged.
    // Hooked on the next turn of the event loop, never while a notebook cell's code runs: a SIGINT
    // listener added there loses tslab's interrupt (src/kernel/host/session-end-hooks.ts).
    setImmediate(() => {
      if (!this.#closed) this.#removeExitHook = onExit(() => this.flush());
    });
  }

  #write(event: Parameters<typeof encodeEvent>[0]): void {
    this.#pending.push(frameRecord(encodeEvent(event)));
  }

  /** The step of a value of `tag`: the one given, or the one after its last. */
  #nextStep(tag: string, step: number | undefined): number {
    if (step !== undefined) checkWholeStep(tag, step);
    return nextStep(this.#lastStep, tag, step);
  }

  #ensureOpen(action: string): void {
    if (this.#closed) throw new InputError(`cannot ${action}: this SummaryWriter of ${this.logDir} was closed. Make a new one.`);
  }

  #add(tag: string, step: number | undefined, value: TbValueToWrite, wallTime = Date.now() / 1000): void {
    this.#write({ wallTime, step: this.#nextStep(tag, step), values: [value] });
  }

  /** One value of a scalar; `wallTime` in seconds since the epoch (default: now). Stored as float32, as TensorBoard's scalars are. */
  addScalar(tag: string, value: number, step?: number, wallTime?: number): this {
    this.#ensureOpen('add a scalar');
    checkName('metric', tag);
    checkNumber(`the value of "${tag}"`, value);
    const at = this.#nextStep(tag, step);
    const time = wallTime ?? Date.now() / 1000;
    let tagBytes = this.#tagBytes.get(tag);
    if (!tagBytes) this.#tagBytes.set(tag, (tagBytes = Buffer.from(tag, 'utf8')));
    const record = scalarEventRecord(time, at, tagBytes, value);
    if (record) this.#pending.push(record);
    else this.#write({ wallTime: time, step: at, values: [{ tag, simpleValue: value }] });
    return this;
  }

  /** Many values of one scalar (steps continue from its last one). */
  addMetric(tag: string, values: ArrayLike<number>, steps?: ArrayLike<number>): this {
    this.#ensureOpen('add a metric');
    checkMetricBatch(tag, values, steps);
    // Every step checked before any value is written: a batch is written whole or not at all.
    for (let i = 0; steps && i < steps.length; i++) checkWholeStep(tag, steps[i]);
    for (let i = 0; i < values.length; i++) this.addScalar(tag, values[i], steps?.[i]);
    return this;
  }

  /** Several scalars at once: `addMetrics({ loss: [...], reward: [...] })`. */
  addMetrics(metrics: Record<string, ArrayLike<number>>): this {
    for (const [tag, values] of Object.entries(checkMetricsObject(metrics))) this.addMetric(tag, values);
    return this;
  }

  /** One image (a PNG): `{ width, height, data }` (RGBA or RGB), or packed [H, W, C] (uint8, or floats in [0, 1]). */
  addImage(tag: string, image: FrameImage | PackedFrames, options: { step?: number; wallTime?: number } = {}): this {
    this.#ensureOpen('add an image');
    checkName('media', tag);
    checkOptionsObject(options, '{ step: 100 }');
    const frame = toSingleFrame(image);
    const encoded = encodePng(frame.frame(0), frame.width, frame.height, frame.channels);
    this.#add(tag, options.step, { tag, image: { width: frame.width, height: frame.height, encoded } }, options.wallTime);
    return this;
  }

  /**
   * A video as an animated GIF (looping), as PyTorch's `add_video` writes one: TensorBoard's Images
   * dashboard plays it, and a watching plotter shows it as a video. `frames`: the plotter's shapes
   * (an array of `{ width, height, data }`, or packed [T, H, W, C]). Resolves once it is logged.
   */
  async addVideoFromFrames(
    tag: string,
    frames: FramesInput,
    options: { fps: number; step?: number; wallTime?: number }
  ): Promise<this> {
    this.#ensureOpen('add a video');
    checkName('media', tag);
    checkOptionsObject(options, '{ fps: 30 }');
    checkFps(options.fps);
    const source = toFrameSource(frames);
    const step = this.#nextStep(tag, options.step);
    const wallTime = options.wallTime ?? Date.now() / 1000;
    const all = Array.from({ length: source.count }, (_, i) => source.frame(i));
    const encoding = encodeGif(all, source, options.fps);
    this.#encoding.add(encoding);
    try {
      const encoded = await encoding;
      this.#write({ wallTime, step, values: [{ tag, image: { width: source.width, height: source.height, encoded } }] });
    } finally {
      this.#encoding.delete(encoding);
      if (this.#closed && !this.#encoding.size) this.#closeFile();
    }
    return this;
  }

  /**
   * A distribution of values at a step (weights, gradients, actions), as TensorBoard's Histograms
   * and Distributions dashboards read it: 30 equal-width buckets from the smallest value to the
   * largest. NaN and ±Infinity have no bucket there and are left out.
   */
  addHistogram(tag: string, values: ArrayLike<number>, step?: number, wallTime?: number): this {
    this.#ensureOpen('add a histogram');
    checkName('metric', tag);
    if (!values || typeof values !== 'object' || typeof values.length !== 'number')
      throw new InputError(`the values of "${tag}" must be an array or a typed array of numbers.`);
    const { nonFinite: _, ...histogram } = histogramOf(values);
    this.#add(tag, step, { tag, histogram }, wallTime);
    return this;
  }

  /** Writes what was logged to the event file now (it is written every `flushSecs` anyway). */
  flush(): void {
    if (!this.#pending.length || this.#fileClosed) return;
    const bytes = Buffer.concat(this.#pending);
    this.#pending = [];
    fs.writeSync(this.#fd, bytes);
  }

  /**
   * Flushes and closes the file; the file stays (it is the run's data). A video still being made
   * into a GIF is written when it is done, and the file closed after it.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#encoding.size) this.#closeFile();
  }

  #closeFile(): void {
    this.flush();
    this.#fileClosed = true;
    clearInterval(this.#timer);
    this.#removeExitHook();
    fs.closeSync(this.#fd);
  }
}
