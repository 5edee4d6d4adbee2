/**
 * What a video writer (video-writer.ts) and the media library that opens it (library.ts) share:
 * the running encode, what it encodes, where its result goes, where progress shows. Internal: the
 * public VideoWriter names none of it.
 */
import type { MediaEntry, MediaKind } from '../../protocol';
import type { PooledEncoder } from './encode-pool';
import type { FrameGeometry } from './frames';
import type { VideoWriter } from './video-writer';

/** A running encode. */
export interface Encode {
  encoder: PooledEncoder;
  fileName: string;
  name: string;
  run: string;
  step: number;
  kind: MediaKind;
}

/** One entry to encode: what it is, where in the series, and how its frames come. */
export interface WriterSpec extends FrameGeometry {
  kind: MediaKind;
  name: string;
  /** The run it is logged to (DEFAULT_RUN: the plotter's own). */
  run: string;
  step: number;
  fps: number;
  crf?: number;
  keepLast?: number;
  /** Show progress in the cell for at least this many frames (videos). */
  progressFromFrames: number;
  /** The frames come from the plotter's own frame source (never changed after): no copies needed. */
  stableFrames?: boolean;
  expectedFrames?: number;
}

/** What a writer hands its result to: the media library that opened it. */
export interface WriterOwner {
  /** The encode finished: its entry is recorded (with its still). */
  finish(
    encode: Encode,
    entry: Omit<MediaEntry, 'path' | 'absolutePath' | 'kind' | 'name' | 'run' | 'step'>,
    still: Buffer | null
  ): MediaEntry;
  /** The encode ended without a result: its file goes. */
  drop(encode: Encode): void;
}

/** Where a long encode shows its progress: a transient display in the cell (the host's), or nowhere. */
export interface ProgressDisplay {
  send(bundle: Record<string, unknown>): void;
  clear(): void;
}

type OpenWriter = (owner: WriterOwner, encode: Encode, spec: WriterSpec, progress: () => ProgressDisplay | null) => VideoWriter;
let openWriter: OpenWriter | null = null;

/** How VideoWriter makes itself (its constructor is not part of the API): set once, by video-writer.ts. */
export function setWriterFactory(open: OpenWriter): void {
  openWriter = open;
}

/** A writer for an encode the library started. */
export function openVideoWriter(
  owner: WriterOwner,
  encode: Encode,
  spec: WriterSpec,
  progress: () => ProgressDisplay | null
): VideoWriter {
  return openWriter!(owner, encode, spec, progress);
}
