/**
 * One ffmpeg process per video, fed raw frames through its stdin (as google/mediapy does): no
 * temporary images. Output is H.264 yuv420p with +faststart so that Chrome and Firefox play it.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import { findFfmpeg } from './ffmpeg';
import { FrameGeometry, rawFramesInput } from './frames';

export interface EncoderOptions extends FrameGeometry {
  fps: number;
  /** Final path; frames are written to `<output>.part` and renamed when ffmpeg succeeds. */
  output: string;
  /** An H.264 MP4 (default), or one frame as a PNG. */
  format?: 'mp4' | 'png';
  /** x264 constant rate factor: lower is better quality and bigger files. */
  crf?: number;
  preset?: string;
}

/** The ffmpeg arguments for a raw-frames-on-stdin encode; shared with the benchmark's raw CLI run. */
export function ffmpegArgs(opts: Omit<EncoderOptions, 'output'>, input: string, output: string): string[] {
  if (opts.format === 'png') {
    // One frame, lossless, in the channels it came with.
    // prettier-ignore
    return ['-hide_banner', '-loglevel', 'error', '-y', ...rawFramesInput(opts, input), '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', output];
  }
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    ...rawFramesInput(opts, input, opts.fps),
    '-an',
    // yuv420p needs even sizes: pad odd ones by one black row/column rather than scaling the image.
    '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 20),
    '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
    '-f', 'mp4', output
  ];
}

/** Frames that may wait in our pipe buffer ahead of ffmpeg. */
const QUEUED_FRAMES = 4;
/** Writes that did not have to wait give the event loop a turn this often (see write()). */
const YIELD_EVERY_FRAMES = 8;

export class EncodeError extends Error {
  constructor(message: string) {
    super(`metrics-plotter: ${message}`);
    this.name = 'EncodeError';
  }
}

/** A running encode. Every live encoder is known to the kernel registry, for interrupt and exit. */
export class VideoEncoder {
  readonly frameBytes: number;
  framesWritten = 0;
  private readonly child: ChildProcess;
  private readonly partPath: string;
  private stderrTail = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private failure: Error | null = null;
  private done = false;
  private stoppedBecause: string | null = null;

  constructor(private readonly opts: EncoderOptions) {
    this.frameBytes = opts.width * opts.height * opts.channels;
    this.partPath = `${opts.output}.part`;
    const ffmpeg = findFfmpeg();
    this.child = spawn(ffmpeg.path, ffmpegArgs(opts, 'pipe:0', this.partPath), {
      stdio: ['pipe', 'ignore', 'pipe']
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    // EPIPE when ffmpeg dies early: the exit code and stderr say why, reported by finish()/write().
    this.child.stdin!.on('error', err => {
      this.failure ??= err;
    });
    this.exited = new Promise(resolve => {
      this.child.on('error', err => {
        this.failure ??= err;
        resolve({ code: null, signal: null });
      });
      this.child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /**
   * Writes one frame of exactly width*height*channels bytes, waiting when the pipe is full.
   * `stable`: the caller will not change the bytes until the encode ends, so they are written as
   * they are; otherwise ffmpeg gets a copy (the caller may reuse its buffer for the next frame).
   * The copy is about a third of the CPU Node spends on an encode (see bench/results.md).
   */
  async write(frame: Uint8Array, stable = false): Promise<void> {
    if (this.stoppedBecause) throw this.stoppedError();
    if (this.done) throw new EncodeError('this video was already finished; frames cannot be added.');
    if (frame.length !== this.frameBytes) {
      throw new EncodeError(
        `a frame holds ${frame.length} bytes but this ${this.opts.width}x${this.opts.height} video ` +
          `with ${this.opts.channels} channels needs ${this.frameBytes}.`
      );
    }
    if (this.failure) throw await this.ffmpegError();
    const stdin = this.child.stdin!;
    const accepted = stdin.write(stable ? frame : Buffer.from(frame));
    // Keep a few frames queued ahead of ffmpeg instead of waiting for each one to drain: x264's
    // frame threads starve when the input stalls frame by frame. Memory stays bounded (see bench).
    // 'drain' only comes after a write() that returned false, so only then is it waited for.
    if (!accepted && stdin.writableLength > QUEUED_FRAMES * this.frameBytes) {
      await new Promise<void>(resolve => {
        const settle = (): void => {
          stdin.off('drain', settle);
          stdin.off('close', settle);
          resolve();
        };
        stdin.on('drain', settle);
        stdin.on('close', settle);
      });
    } else if (this.framesWritten % YIELD_EVERY_FRAMES === 0) {
      // A loop of writes that never wait is a chain of promise callbacks: Node runs no I/O callback
      // in between, so a broken pipe (ffmpeg killed) would never be heard of. Let the loop turn.
      await new Promise(resolve => setImmediate(resolve));
    }
    if (this.failure || stdin.destroyed || this.child.exitCode !== null || this.child.signalCode !== null) {
      this.failure ??= new Error('ffmpeg stopped reading frames');
      throw await this.ffmpegError();
    }
    this.framesWritten++;
  }

  /** Resolves once the ffmpeg process is gone, however it ended. */
  async whenExited(): Promise<void> {
    await this.exited;
  }

  /** Closes the pipe, waits for ffmpeg, and renames the finished file into place. */
  async finish(): Promise<{ bytes: number }> {
    this.done = true;
    this.child.stdin!.end();
    const { code } = await this.exited;
    if (this.stoppedBecause) throw this.stoppedError();
    if (code !== 0 || this.failure) throw await this.ffmpegError();
    fs.renameSync(this.partPath, this.opts.output);
    return { bytes: fs.statSync(this.opts.output).size };
  }

  /** Stops ffmpeg at once (SIGKILL) and removes the partial file. Synchronous: usable at exit. */
  abortSync(reason = 'aborted'): void {
    this.done = true;
    this.stoppedBecause ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const file of [this.partPath, this.opts.output]) {
      try {
        fs.unlinkSync(file);
      } catch {
        /* not created yet, or already gone */
      }
    }
  }

  /** Like abortSync, then waits for the process to be reaped so nothing keeps the event loop alive. */
  async abort(): Promise<void> {
    this.abortSync();
    await this.exited;
    this.abortSync(); // ffmpeg may have created the file after the first unlink
  }

  private stoppedError(): EncodeError {
    return new EncodeError(`encoding ${this.opts.output} was stopped (${this.stoppedBecause}); its partial file was removed.`);
  }

  /**
   * Why ffmpeg stopped, once its process is gone: a broken pipe (EPIPE) only says that it went, the
   * exit code or signal and its stderr say why.
   */
  private async ffmpegError(): Promise<EncodeError> {
    const { code, signal } = await this.exited;
    if (this.stoppedBecause) return this.stoppedError();
    const removed = 'Its partial file was removed.';
    if (signal) {
      return new EncodeError(
        `ffmpeg was killed (${signal}) while encoding ${this.opts.output}. ${removed} ` +
          (signal === 'SIGKILL'
            ? 'If the system ran out of memory (the OOM killer sends SIGKILL), encode smaller or fewer frames at once; otherwise try again.'
            : 'Try again.')
      );
    }
    if (/No space left on device/i.test(this.stderrTail)) {
      return new EncodeError(
        `the disk is full: ffmpeg could not write ${this.opts.output} (ENOSPC). ${removed} Free some space, then try again.`
      );
    }
    const detail = this.stderrTail.trim() || (this.failure ? this.failure.message : `exit code ${code}`);
    return new EncodeError(`ffmpeg failed while encoding ${this.opts.output}: ${detail}. ${removed}`);
  }
}
