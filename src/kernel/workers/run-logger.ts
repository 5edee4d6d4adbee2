/**
 * The worker's end (`runLogger()` in a `worker_threads` Worker, or in a child made by
 * `child_process.fork`, whose parent called `run.logFrom(it)`): the plotter's logging calls, sent
 * to the run in the kernel. Scalars gather here and go in batches; images and videos go at once,
 * their frames transferred (a worker thread's buffers move to the kernel, not copied) or, between
 * processes, copied. At most MAX_IN_FLIGHT requests wait for the kernel's answer: beyond that a
 * worker's scalars wait in its own memory and its media calls wait their turn, so a fast worker
 * never grows the kernel's memory. docs/workers.md.
 */
import { isMainThread, parentPort, type MessagePort } from 'worker_threads';
import { InputError, checkFps, checkMetricBatch, checkName, checkNumber, checkOptionsObject, nextStep } from '../input';
import type { FrameImage, FramesInput, PackedFrames } from '../media/frames';
import { histogramOf } from '../metrics/histogram';
import { HISTOGRAM_BUCKETS, checkHistogramValues } from '../metrics/histograms';
import type { MediaOptions, VideoOptions } from '../options';
import {
  MAX_IN_FLIGHT,
  WORKER_KEY,
  isOurs,
  type PortHandover,
  type Pixels,
  type WireFrames,
  type WorkerReply,
  type WorkerRequest
} from './messages';

/** Scalars a batch holds at most before it is sent. */
const BATCH_POINTS = 8192;
/** How long a scalar waits for its batch, at most (while the kernel keeps up). */
const BATCH_MS = 100;

type Send = (request: WorkerRequest, transfer: ArrayBuffer[]) => void;

interface Channel {
  send: Send;
  /** Called with each reply of the kernel. */
  onReply(handler: (reply: WorkerReply) => void): void;
  /** Bytes cross as they are (a thread) or as base64 (a process). */
  binary: boolean;
  /** Whether the channel keeps the worker alive: only while an answer is awaited. */
  hold(waiting: boolean): void;
}

/** The channel to the run: the port the kernel handed this thread, or the process's IPC channel. */
async function openChannel(): Promise<Channel> {
  if (!isMainThread && parentPort) {
    const port = await new Promise<MessagePort>(resolve => {
      const take = (message: unknown): void => {
        if (!isOurs(message) || message[WORKER_KEY] !== 'port') return;
        parentPort!.off('message', take);
        resolve((message as unknown as PortHandover).port);
      };
      parentPort!.on('message', take);
    });
    port.unref();
    return {
      binary: true,
      hold: waiting => (waiting ? port.ref() : port.unref()),
      send: (request, transfer) => {
        try {
          port.postMessage(request, transfer);
        } catch {
          port.postMessage(request); // a buffer that cannot move (Node's Buffer pool): copied
        }
      },
      onReply: handler => port.on('message', handler)
    };
  }
  if (typeof process.send === 'function') {
    // The IPC channel is the parent's to close; it keeps this process alive only while an answer is awaited.
    const ipc = process.channel as { ref(): void; unref(): void } | undefined;
    ipc?.unref();
    return {
      binary: false,
      hold: waiting => (waiting ? ipc?.ref() : ipc?.unref()),
      send: request => process.send!({ [WORKER_KEY]: request }),
      onReply: handler =>
        process.on('message', (message: unknown) => {
          if (isOurs(message)) handler(message[WORKER_KEY] as WorkerReply);
        })
    };
  }
  throw new InputError(
    'runLogger() runs in a worker_threads Worker or a child made by child_process.fork, whose parent called run.logFrom(it).'
  );
}

let shared: RunLogger | null = null;

/** This worker's logger (one per worker: every call returns the same). */
export function runLogger(): RunLogger {
  shared ??= new RunLogger(openChannel());
  return shared;
}

export class RunLogger {
  readonly #channel: Promise<Channel>;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  /** Turns waiting for a free slot (MAX_IN_FLIGHT). */
  readonly #queue: Array<() => void> = [];
  #batch = new Map<string, { values: number[]; steps: number[] }>();
  #batchPoints = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The step of each name's last scalar, for calls without one. */
  readonly #lastStep = new Map<string, number>();
  /** The same for histograms. */
  readonly #lastHistogramStep = new Map<string, number>();
  #closed = false;
  /** Batches of scalars sent and not yet answered. */
  readonly #pendingBatches = new Set<Promise<void>>();
  /** The first batch the kernel refused, told at the next flush(). */
  #batchFailure: Error | null = null;

  /** Made by runLogger(). */
  constructor(channel: Promise<Channel>) {
    this.#channel = channel.then(c => {
      c.onReply(reply => {
        const w = this.#waiting.get(reply.id);
        this.#waiting.delete(reply.id);
        this.#queue.shift()?.();
        if (!this.#waiting.size) c.hold(false);
        if (reply.error) w?.reject(new Error(`metrics-plotter (in the kernel): ${reply.error}`));
        else w?.resolve();
      });
      return c;
    });
  }

  /** Sends a request once fewer than MAX_IN_FLIGHT wait; resolves when the kernel applied it. */
  async #request(make: (binary: boolean) => { request: Omit<WorkerRequest, 'id'>; transfer: ArrayBuffer[] }): Promise<void> {
    const channel = await this.#channel;
    while (this.#waiting.size >= MAX_IN_FLIGHT) await new Promise<void>(resolve => this.#queue.push(resolve));
    const id = this.#nextId++;
    const { request, transfer } = make(channel.binary);
    const done = new Promise<void>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    channel.hold(true);
    channel.send({ ...request, id } as WorkerRequest, transfer);
    return done;
  }

  #ensureOpen(action: string): void {
    if (this.#closed) throw new InputError(`cannot ${action}: this worker's logger was closed.`);
  }

  /** One value of a metric; `step` defaults to the metric's next. */
  addScalar(name: string, value: number, step?: number): this {
    this.#ensureOpen('add a metric');
    checkName('metric', name);
    checkNumber(`the value of "${name}"`, value);
    const at = nextStep(this.#lastStep, name, step);
    const batch = this.#batch.get(name) ?? { values: [], steps: [] };
    batch.values.push(value);
    batch.steps.push(at);
    this.#batch.set(name, batch);
    if (++this.#batchPoints >= BATCH_POINTS) void this.#sendBatch();
    else this.#timer ??= setTimeout(() => void this.#sendBatch(), BATCH_MS);
    return this;
  }

  /** Many values of one metric (steps continue from its last). */
  addMetric(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): this {
    this.#ensureOpen('add a metric');
    checkMetricBatch(name, values, steps);
    for (let i = 0; i < values.length; i++) this.addScalar(name, values[i], steps?.[i]);
    return this;
  }

  /**
   * The distribution of `values` at `step` (default: the one after this histogram's last), as the
   * plotter's addHistogram records it; counted here, in the worker, so that only its 30 buckets go
   * to the kernel. Resolves once the kernel recorded it.
   */
  async addHistogram(name: string, values: ArrayLike<number>, step?: number): Promise<void> {
    this.#ensureOpen('add a histogram');
    checkName('metric', name);
    const histogram = histogramOf(checkHistogramValues(name, values), HISTOGRAM_BUCKETS);
    const at = nextStep(this.#lastHistogramStep, name, step);
    await this.#request(() => ({ request: { kind: 'histogram', name, step: at, histogram }, transfer: [] }));
  }

  /** Sends the scalars gathered so far (a failure is told at the next flush()). */
  #sendBatch(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#batch.size) return Promise.resolve();
    const batch = this.#batch;
    this.#batch = new Map();
    this.#batchPoints = 0;
    const sent = this.#request(() => ({
      request: { kind: 'metrics', metrics: [...batch].map(([name, b]) => ({ name, values: b.values, steps: b.steps })) },
      transfer: []
    }));
    this.#pendingBatches.add(sent);
    sent.catch((err: Error) => (this.#batchFailure ??= err)).finally(() => this.#pendingBatches.delete(sent));
    return sent;
  }

  /** One image, as the plotter's addImage takes it: `{ width, height, data }` (RGBA or RGB). Its buffer moves to the kernel. */
  async addImage(name: string, image: FrameImage, options: MediaOptions = {}): Promise<void> {
    this.#ensureOpen('add an image');
    checkName('media', name);
    checkOptionsObject(options, '{ step: 100 }');
    await this.#request(binary => ({
      request: {
        kind: 'image',
        name,
        image: { width: image.width, height: image.height, data: wire(image.data, binary) },
        options
      },
      transfer: binary ? buffersOf([image.data]) : []
    }));
  }

  /**
   * A video, as the plotter's addVideoFromFrames takes it (an array of `{ width, height, data }`,
   * or packed [T, H, W, C]); resolves once it is encoded in the kernel. In a worker thread the
   * frames' buffers move to the kernel: do not use them after the call.
   */
  async addVideoFromFrames(name: string, frames: FramesInput, options: VideoOptions): Promise<void> {
    this.#ensureOpen('add a video');
    checkName('media', name);
    checkOptionsObject(options, '{ fps: 30 }');
    checkFps(options.fps);
    await this.#request(binary => {
      if (Array.isArray(frames)) {
        const images = frames as readonly FrameImage[];
        return {
          request: {
            kind: 'video',
            name,
            frames: images.map(f => ({ width: f.width, height: f.height, data: wire(f.data, binary) })),
            options
          },
          transfer: binary ? buffersOf(images.map(f => f.data)) : []
        };
      }
      const packed = frames as PackedFrames;
      const data: unknown = packed.data;
      if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray))
        throw new InputError(
          `packed frames from a worker are uint8 ([T, H, W, C] bytes); got ${Object.prototype.toString.call(data)}.`
        );
      const wireFrames: WireFrames = { shape: [...packed.shape], data: wire(data, binary) };
      return { request: { kind: 'video', name, frames: wireFrames, options }, transfer: binary ? buffersOf([data]) : [] };
    });
  }

  /** Resolves once everything logged so far is in the run (rejects with the kernel's error, if any). */
  async flush(): Promise<void> {
    // A refused batch is kept in #batchFailure and told once, below.
    await Promise.allSettled([this.#sendBatch(), ...this.#pendingBatches]);
    const failure = this.#batchFailure;
    this.#batchFailure = null;
    if (failure) throw failure;
  }

  /** Flushes, and tells the run this worker is done: its end from now on is no failure. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#request(() => ({ request: { kind: 'close' }, transfer: [] }));
  }
}

function wire(data: Uint8Array | Uint8ClampedArray | ArrayLike<number>, binary: boolean): Pixels {
  const bytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray ? data : Uint8Array.from(data);
  return binary ? bytes : { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

/** The distinct buffers under `arrays`, to transfer. */
function buffersOf(arrays: ReadonlyArray<ArrayLike<number>>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer) out.add(a.buffer as ArrayBuffer);
  return [...out];
}
