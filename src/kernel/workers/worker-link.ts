/**
 * The kernel's end of a worker logging into a run (`run.logFrom(worker)`): each request applied with
 * the run's own calls (so checked and bounded as any), answered once done; at most MAX_IN_FLIGHT
 * requests of a worker are ever held (the worker waits for answers). A worker that dies (exits
 * with an error, by a signal, or by an uncaught exception) before it closed its logger marks the
 * run failed, said in the server's log. docs/workers.md.
 */
import type { Histogram } from '../metrics/histogram';
import type { ChildProcess } from 'child_process';
import { MessageChannel, Worker, type MessagePort } from 'worker_threads';
import { writeToServerLog } from '../host/server-log';
import { InputError } from '../input';
import type { FramesInput } from '../media/frames';
import {
  WORKER_KEY,
  bytesOf,
  isOurs,
  type PortHandover,
  type WireFrames,
  type WorkerReply,
  type WorkerRequest
} from './messages';

/** What a link logs into: the run's public calls, and its end. */
export interface LinkTarget {
  readonly name: string;
  addMetric(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): unknown;
  /** A histogram the worker counted. */
  addCountedHistogram(name: string, histogram: Histogram, step: number): unknown;
  addImage(
    name: string,
    image: { width: number; height: number; data: Uint8Array | Uint8ClampedArray },
    options: object
  ): Promise<unknown>;
  addVideoFromFrames(name: string, frames: FramesInput, options: { fps: number }): Promise<unknown>;
  /** Marks the run failed, unless it ended already. */
  fail(): void;
}

function framesOf(frames: WireFrames): FramesInput {
  if (Array.isArray(frames)) return frames.map(f => ({ width: f.width, height: f.height, data: bytesOf(f.data) }));
  return { shape: frames.shape, data: bytesOf(frames.data) } as FramesInput;
}

/** Applies one request to the run; resolves once it is done. */
async function apply(target: LinkTarget, request: WorkerRequest): Promise<void> {
  switch (request.kind) {
    case 'metrics':
      for (const m of request.metrics) target.addMetric(m.name, Array.from(m.values), m.steps && Array.from(m.steps));
      return;
    case 'histogram':
      target.addCountedHistogram(request.name, request.histogram, request.step);
      return;
    case 'image': {
      const { width, height, data } = request.image;
      await target.addImage(request.name, { width, height, data: bytesOf(data) }, request.options);
      return;
    }
    case 'video':
      await target.addVideoFromFrames(request.name, framesOf(request.frames), request.options);
      return;
    case 'close':
      return;
  }
}

/** Links `source` to `target`; returns a function that stops listening. `gone` runs once `source` exited. */
export function linkWorker(target: LinkTarget, source: Worker | ChildProcess, gone: () => void = () => undefined): () => void {
  let closed = false;
  const died = (how: string): void => {
    if (closed) return;
    closed = true;
    target.fail();
    writeToServerLog(
      `metrics-plotter: the worker logging into the run "${target.name}" died (${how}) before it closed its logger; the run is marked failed.`
    );
  };
  const handle = (request: WorkerRequest, reply: (r: WorkerReply) => void): void => {
    if (request.kind === 'close') closed = true;
    apply(target, request).then(
      () => reply({ id: request.id }),
      (err: Error) => reply({ id: request.id, error: err.message })
    );
  };

  if (source instanceof Worker) {
    const { port1, port2 }: { port1: MessagePort; port2: MessagePort } = new MessageChannel();
    port1.on('message', (request: WorkerRequest) => handle(request, reply => port1.postMessage(reply)));
    port1.unref();
    const onExit = (code: number): void => {
      if (code !== 0) died(`exit code ${code}`);
      port1.close();
      gone();
    };
    const onError = (err: Error): void => died(`uncaught ${err.name}: ${err.message}`);
    source.on('exit', onExit);
    source.on('error', onError);
    source.postMessage({ [WORKER_KEY]: 'port', port: port2 } satisfies PortHandover, [port2]);
    return () => {
      source.off('exit', onExit);
      source.off('error', onError);
      port1.close();
    };
  }
  if (typeof source?.send !== 'function' || typeof source.on !== 'function')
    throw new InputError(
      'logFrom takes a worker_threads Worker, or a child process made by child_process.fork (it has an IPC channel).'
    );
  const child = source;
  const onMessage = (message: unknown): void => {
    if (!isOurs(message)) return;
    handle(message[WORKER_KEY] as WorkerRequest, reply => {
      if (child.connected) child.send({ [WORKER_KEY]: reply });
    });
  };
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (code !== 0) died(signal ? `signal ${signal}` : `exit code ${code}`);
    child.off('message', onMessage);
    gone();
  };
  child.on('message', onMessage);
  child.on('exit', onExit);
  return () => {
    child.off('message', onMessage);
    child.off('exit', onExit);
  };
}
