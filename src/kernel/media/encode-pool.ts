/**
 * Encodes take turns: at most `limit` ffmpeg processes of a plotter run at once, in the order their
 * media were logged. A training loop that logs rollouts without awaiting them (it should not wait
 * for x264) once started one ffmpeg per rollout: 40 rollouts ran 40 processes and 1 GB on 2 cores.
 *
 * A waiting encode holds no copy of its frames: its writes wait for its turn, so the caller's frames
 * (addVideoFromFrames) or the caller's loop (a streaming writer) wait with it. What a queue of N
 * rollouts costs is the frames the caller made for them (T × H × W × channels bytes each), which
 * nothing frees before their turn; past four turns' worth of waiting encodes the plotter says so
 * (`onWait`).
 */
import * as os from 'os';
import { findFfmpeg } from './ffmpeg';
import { EncodeError, VideoEncoder, type EncoderOptions } from './video-encoder';

/** How many encodes run at once unless the plotter says otherwise: one per core. */
export function defaultEncodeLimit(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

interface Waiter {
  start: () => void;
  cancel: (reason: string) => void;
}

export class EncodePool {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly limit: number,
    /** Told how many encodes wait whenever one more starts waiting. */
    private readonly onWait: (waiting: number) => void = () => undefined
  ) {}

  /** An encoder whose ffmpeg starts when its turn comes. */
  encoder(opts: EncoderOptions): PooledEncoder {
    return new PooledEncoder(opts, this);
  }

  /**
   * A turn: resolves with the function that ends it, once fewer than `limit` run; `cancel`
   * rejects it while it still waits.
   */
  queue(): { turn: Promise<() => void>; cancel: (reason: string) => void } {
    let waiter: Waiter | null = null;
    const turn = new Promise<() => void>((resolve, reject) => {
      const start = (): void => {
        this.running++;
        let ended = false;
        resolve(() => {
          if (ended) return;
          ended = true;
          this.running--;
          this.waiting.shift()?.start();
        });
      };
      if (this.running < this.limit) return start();
      waiter = {
        start,
        cancel: reason => {
          const at = this.waiting.indexOf(waiter!);
          if (at < 0) return;
          this.waiting.splice(at, 1);
          reject(new EncodeError(reason));
        }
      };
      this.waiting.push(waiter);
      this.onWait(this.waiting.length);
    });
    return { turn, cancel: reason => (waiter as Waiter | null)?.cancel(reason) };
  }
}

/** A VideoEncoder that waits for its turn in an EncodePool before it starts ffmpeg. */
export class PooledEncoder {
  private encoder: VideoEncoder | null = null;
  /** Why it was stopped before ffmpeg started. */
  private stopped: string | null = null;
  private readonly started: Promise<VideoEncoder>;
  private cancelTurn: ((reason: string) => void) | null;
  /** What this encode's turn waits for once ffmpeg exited (see inTurnAfterExit). */
  private hold: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: EncoderOptions,
    pool: EncodePool
  ) {
    findFfmpeg(); // no ffmpeg is an error now, not at the encode's turn
    const { turn, cancel } = pool.queue();
    this.cancelTurn = cancel;
    this.started = turn.then(end => {
      this.cancelTurn = null;
      if (this.stopped) {
        end(); // stopped as its turn came
        throw new EncodeError(this.stopped);
      }
      let encoder: VideoEncoder;
      try {
        encoder = new VideoEncoder(this.opts);
      } catch (err) {
        end();
        throw err;
      }
      // However ffmpeg ends, the next encode's turn comes (after what this one still does in its turn).
      void encoder
        .whenExited()
        .then(() => this.hold)
        .then(end);
      this.encoder = encoder;
      return encoder;
    });
    this.started.catch(() => undefined); // write() and finish() report it
  }

  get framesWritten(): number {
    return this.encoder?.framesWritten ?? 0;
  }

  async write(frame: Uint8Array, stable = false): Promise<void> {
    return (await this.started).write(frame, stable);
  }

  async finish(): Promise<{ bytes: number }> {
    return (await this.started).finish();
  }

  /**
   * Runs `work` in this encode's turn once its ffmpeg exited, before the next encode's turn comes
   * (the entry's still: one more short ffmpeg, so that `limit` bounds every ffmpeg at once). Call it
   * before `finish`.
   */
  inTurnAfterExit<T>(work: () => Promise<T>): Promise<T> {
    const result = this.started.then(encoder => encoder.whenExited()).then(work);
    this.hold = result.catch(() => undefined);
    return result;
  }

  /** Stops it: a waiting encode leaves the queue (nothing was written); a running one, see VideoEncoder. */
  abortSync(reason = 'aborted'): void {
    if (this.encoder) return this.encoder.abortSync(reason);
    this.stopped ??= `encoding ${this.opts.output} was stopped (${reason}) before its turn came; nothing was written.`;
    this.cancelTurn?.(this.stopped);
  }

  async abort(): Promise<void> {
    if (this.encoder) await this.encoder.abort();
    else this.abortSync();
  }
}
