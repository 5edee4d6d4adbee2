/**
 * What a reading worker (read-worker.ts) and the kernel (reading-pool.ts) say to each other. An
 * update crosses as the reader made it, its typed columns (scalar-columns.ts) and images'
 * bytes transferred rather than copied.
 */
import type { LogdirUpdate } from './logdir-reader';

/** Kernel → worker: read what is new. */
export interface ReadRequest {
  kind: 'read';
}

/** One update, as it crosses. */
export interface WireUpdate extends LogdirUpdate {
  kind: 'update';
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
}

export type ReadReply = WireUpdate | ReadDone;

/** An update as it crosses, and what to transfer rather than copy: its columns, and its images' bytes. */
export function toWire(update: LogdirUpdate): { message: WireUpdate; transfer: ArrayBuffer[] } {
  const { tagIndex, steps, values, times } = update.scalars;
  const transfer: ArrayBuffer[] = [tagIndex.buffer, steps.buffer, values.buffer, times.buffer] as ArrayBuffer[];
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
