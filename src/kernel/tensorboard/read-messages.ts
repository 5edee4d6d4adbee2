/**
 * What a reading worker (read-worker.ts) and the kernel (reading-pool.ts) say to each other. An
 * update crosses as the reader made it, its typed columns (scalar-columns.ts) and images'
 * bytes transferred rather than copied.
 */
import type { LogdirUpdate, ReaderState } from './logdir-reader';

/** Kernel → worker: read what is new; or say where you are (the kernel's thread reads on from there). */
export interface ReadRequest {
  kind: 'read' | 'state';
}

/** One update, as it crosses. */
export interface WireUpdate extends LogdirUpdate {
  kind: 'update';
}

/** Worker → kernel: updates read, in the order read. */
export interface WireBatch {
  kind: 'updates';
  updates: WireUpdate[];
}

/** Worker → kernel: a read is done. */
export interface ReadDone {
  kind: 'done';
  /** What went wrong, each said once by this worker. */
  problems: string[];
  /** Corrupt records this worker skipped so far. */
  corrupt: number;
  /** The runs this worker found so far. */
  runs: string[];
  /** Bytes this read took in. */
  bytes: number;
}

/** Worker → kernel: where its reader is. */
export interface ReaderStateReply {
  kind: 'state';
  state: ReaderState;
}

export type ReadReply = WireBatch | ReadDone | ReaderStateReply;

/**
 * Columns of fewer scalars than this are copied: moving a buffer to another thread costs more than
 * copying a few hundred bytes (a followed log's updates are a few scalars of each run).
 */
const TRANSFER_FROM = 4096;

/** An update as it crosses, and what to transfer rather than copy: its long columns, and its images' bytes. */
export function toWire(update: LogdirUpdate): { message: WireUpdate; transfer: ArrayBuffer[] } {
  const { tagIndex, steps, values, times } = update.scalars;
  const transfer = (
    steps.length >= TRANSFER_FROM ? [tagIndex.buffer, steps.buffer, values.buffer, times.buffer] : []
  ) as ArrayBuffer[];
  // An image is a view into the chunk read; its own copy is what crosses (the chunk is not sent).
  const images = update.images.map(image => {
    const encoded = image.encoded.slice();
    transfer.push(encoded.buffer as ArrayBuffer);
    return { ...image, encoded };
  });
  return { message: { kind: 'update', ...update, images }, transfer };
}

/** An update as the reader made it, from what crossed. */
export function fromWire({ kind: _, ...update }: WireUpdate): LogdirUpdate {
  return update;
}
