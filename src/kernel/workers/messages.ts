/**
 * What a worker (a `worker_threads` Worker, or a child made by `child_process.fork`) and the run it
 * logs into say to each other (run-logger.ts in the worker, worker-link.ts in the kernel). Both
 * ends are this package, at one version: the shapes are not a public protocol. Every message
 * carries WORKER_KEY, so that the worker's and the kernel's own messages on the same channel are
 * told apart. docs/workers.md.
 */
import type { Histogram } from '../metrics/histogram';
import type { MediaOptions, VideoOptions } from '../options';

export const WORKER_KEY = 'metrics-plotter/worker';

/**
 * Messages a worker may have sent and not yet had answered: a fast worker waits (its scalars
 * gather in its own memory) rather than grow the kernel's.
 */
export const MAX_IN_FLIGHT = 4;

/** Raw pixels: bytes as they are in a worker thread (transferred), base64 between processes. */
export type Pixels = Uint8Array | Uint8ClampedArray | { base64: string };

export interface WireImage {
  width: number;
  height: number;
  data: Pixels;
}

/** Frames as one packed [T, H, W, C] uint8 array, or one image each. */
export type WireFrames = { shape: number[]; data: Pixels } | WireImage[];

export type WorkerRequest =
  | { id: number; kind: 'metrics'; metrics: Array<{ name: string; values: number[]; steps?: number[] }> }
  /** A histogram counted in the worker (metrics/histogram.ts): only its buckets cross. */
  | { id: number; kind: 'histogram'; name: string; step: number; histogram: Histogram }
  | { id: number; kind: 'image'; name: string; image: WireImage; options: MediaOptions }
  | { id: number; kind: 'video'; name: string; frames: WireFrames; options: VideoOptions }
  /** The worker is done logging: its end is no failure. */
  | { id: number; kind: 'close' };

export interface WorkerReply {
  id: number;
  /** What went wrong in the kernel, for the worker's promise. */
  error?: string;
}

/** The first message a worker thread gets: the port of its own channel to the run. */
export interface PortHandover {
  [WORKER_KEY]: 'port';
  port: import('worker_threads').MessagePort;
}

export function isOurs(message: unknown): message is Record<typeof WORKER_KEY, unknown> {
  return !!message && typeof message === 'object' && WORKER_KEY in message;
}

/**
 * Bytes of pixels, whichever way they came, as a Uint8Array of the realm that reads them (a view,
 * not a copy: what a port delivers is made in Node's own realm, which a sandbox such as Jest's
 * does not share).
 */
export function bytesOf(pixels: Pixels): Uint8Array {
  if ('base64' in pixels) return Buffer.from(pixels.base64, 'base64');
  return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}
