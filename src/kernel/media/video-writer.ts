/**
 * A video (or an image) being written frame by frame into its ffmpeg: what `createVideoWriter`
 * returns, and what `addVideoFromFrames` and `addImage` write through. It hands its finished entry
 * (or its abort) back to the media library that opened it (library.ts, through writer-session.ts).
 */
import type { MediaEntry } from '../../protocol';
import { InputError } from '../input';
import { FrameImage, imageChannels } from './frames';
import { encodeStill, isStillCandidate } from './still';
import { EncodeError } from './video-encoder';
import { setWriterFactory, type Encode, type ProgressDisplay, type WriterOwner, type WriterSpec } from './writer-session';

/** A video being written frame by frame (see MetricsPlotter.createVideoWriter). */
export class VideoWriter {
  static {
    setWriterFactory((owner, encode, spec, progress) => new VideoWriter(owner, encode, spec, progress));
  }

  private readonly progress: ProgressDisplay | null;
  private readonly progressEvery: number;
  private lastProgress = 0;
  private ended = false;
  /** The frame the still will be made of, so far (see isStillCandidate). */
  private stillFrame: Uint8Array | null = null;

  /** Made by the plotter's media library (openVideoWriter): `createVideoWriter` hands one out. */
  private constructor(
    private readonly owner: WriterOwner,
    private readonly encode: Encode,
    private readonly spec: WriterSpec,
    progress: () => ProgressDisplay | null
  ) {
    const expected = spec.expectedFrames;
    this.progress = spec.kind === 'video' && (expected === undefined || expected >= spec.progressFromFrames) ? progress() : null;
    this.progressEvery = Math.max(1, Math.floor((expected ?? 1000) / 20));
  }

  get name(): string {
    return this.spec.name;
  }

  get step(): number {
    return this.spec.step;
  }

  get framesWritten(): number {
    return this.encode.encoder.framesWritten;
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
    const { width, height, channels } = this.spec;
    if (frame instanceof Uint8Array || frame instanceof Uint8ClampedArray) {
      bytes = frame as Uint8Array;
    } else {
      const c = imageChannels(frame, this.framesWritten);
      if (frame.width !== width || frame.height !== height || c !== channels) {
        throw new InputError(
          `frame ${this.framesWritten} is ${frame.width}x${frame.height} with ${c} channels, but the video ` +
            `"${this.name}" is ${width}x${height} with ${channels}.`
        );
      }
      bytes = frame.data as Uint8Array;
    }
    // A frame the caller may reuse is copied; the plotter's own frame source never changes them.
    if (isStillCandidate(this.framesWritten)) this.stillFrame = this.spec.stableFrames ? bytes : Uint8Array.from(bytes);
    await this.encode.encoder.write(bytes, this.spec.stableFrames);
    if (this.progress && this.framesWritten - this.lastProgress >= this.progressEvery) {
      this.lastProgress = this.framesWritten;
      this.showProgress();
    }
  }

  /** Progress is transient: shown while the video encodes; then the panel's card tells the result. */
  private showProgress(): void {
    if (!this.progress) return;
    const total = this.spec.expectedFrames;
    const text = `Encoding "${this.name}": ${this.framesWritten}${total ? `/${total} frames (${Math.round((100 * this.framesWritten) / total)}%)` : ' frames'}…`;
    try {
      this.progress.send({ 'text/plain': text });
    } catch {
      /* progress is best effort */
    }
  }

  private endProgress(): void {
    try {
      this.progress?.clear();
    } catch {
      /* progress is best effort */
    }
  }

  /** Finishes the file and adds it to the plotter's output. */
  async finish(): Promise<MediaEntry> {
    if (this.ended) throw new EncodeError(`the video "${this.name}" was already finished or aborted.`);
    this.ended = true;
    if (this.framesWritten === 0) {
      await this.encode.encoder.abort();
      this.owner.drop(this.encode);
      throw new InputError(`no frames were written to the video "${this.name}"; write at least one frame before finish().`);
    }
    // The still is made in this encode's turn, once its ffmpeg exited (see EncodePool).
    const frame = this.stillFrame;
    this.stillFrame = null;
    const still = frame ? this.encode.encoder.inTurnAfterExit(() => encodeStill(frame, this.spec)) : Promise.resolve(null);
    still.catch(() => undefined); // a failed encode reports itself below; its still is not wanted
    let bytes: number;
    try {
      ({ bytes } = await this.encode.encoder.finish());
    } catch (err) {
      this.endProgress();
      await this.encode.encoder.abort();
      this.owner.drop(this.encode);
      throw err;
    }
    this.endProgress();
    const { kind, fps, width, height } = this.spec;
    const entry = this.owner.finish(
      this.encode,
      kind === 'video' ? { width, height, bytes, fps, frames: this.framesWritten } : { width, height, bytes },
      await still
    );
    return entry;
  }

  /**
   * `await using w = plotter.createVideoWriter(…)`: a writer left unfinished when its scope ends (an
   * exception, an early return) is aborted and its partial file removed; a finished one stays.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }

  /** Stops the encode and removes its partial file. */
  async abort(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stillFrame = null;
    this.endProgress();
    await this.encode.encoder.abort();
    this.owner.drop(this.encode);
  }
}
