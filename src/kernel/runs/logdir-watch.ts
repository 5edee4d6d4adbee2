/**
 * `plotter.watch(logdir)`: the runs of a TensorBoard log directory, read into the plotter and
 * followed (tensorboard/logdir-reader.ts reads; this applies what it read): each folder of event
 * files a run of the plotter, its scalars as the run's metrics at their steps and wall times, its
 * hparams as the run's config, its images and GIF videos as its media (watched-media.ts), live in
 * the same outputs as the runs logged in the notebook, which also say what the watch read and left
 * out (`listing`). The log directory is only ever read: nothing is written there, and no cleanup
 * touches it.
 * docs/tensorboard.md, "Watching a log directory".
 */
import * as fs from 'fs';
import type { WatchedLogdir } from '../../protocol';
import { writeToServerLog } from '../host/server-log';
import { InputError, checkKeepLast, checkOptionsObject } from '../input';
import type { MetricsStore } from '../metrics/store';
import type { LogdirUpdate } from '../tensorboard/logdir-reader';
import type { LogdirReading } from '../tensorboard/reading-pool';
import type { Runs } from './runs';
import { WatchedMedia, type MediaSink } from './watched-media';

export interface WatchOptions {
  /** How often the log directory is read again, in milliseconds; default 2000 (TensorBoard's is 5 s). */
  pollMs?: number;
  /**
   * Images and videos kept of each run's tag, the latest (default 10, TensorBoard's own sampling
   * of images): older ones are never encoded, or their files are removed, as with `keepLast`.
   */
  keepLast?: number;
}

/** A watch as its plotter's outputs list it. */
export interface ListedWatch {
  readonly listing: WatchedLogdir;
}

/** What a watch needs of its plotter: where points, runs and media go, where it is listed, and a hook on the session's end. */
export interface WatchTarget {
  readonly metrics: MetricsStore;
  readonly runs: Runs;
  readonly media: MediaSink;
  /** The watches the outputs list (the plotter's; a watch adds itself). */
  readonly watches: Set<ListedWatch>;
  /** Something the outputs show changed (a count of skipped records, say). */
  changed(): void;
  /** `stop` runs when the session ends; the returned function unregisters it. */
  untilEnd(stop: () => void): () => void;
}

/**
 * A change the file system tells of (a local disk's inotify) is read CHANGE_BURST_MS later (a
 * writer's flush is several changes), or, while writers keep writing, CHANGE_READ_MS after the last
 * read: a record is in the plotter a moment after it is written, at two reads a second at most.
 * Storage shared between machines tells nothing of other machines' writes: the poll reads those.
 */
const CHANGE_BURST_MS = 20;
const CHANGE_READ_MS = 500;

let openWatch: (target: WatchTarget, logdir: string, options: WatchOptions) => LogdirWatch;

const inCell = (message: string): void => console.error(message);

/** Starts watching `logdir` for `target` (the watch's constructor is not part of the API). */
export function startWatch(target: WatchTarget, logdir: string, options: WatchOptions = {}): LogdirWatch {
  return openWatch(target, logdir, options);
}

/** A log directory a plotter follows (see MetricsPlotter.watch). */
export class LogdirWatch {
  static {
    openWatch = (target, logdir, options) => new LogdirWatch(target, logdir, options);
  }

  #reading: LogdirReading;
  /** The read in progress (or the last), and one asked for meanwhile, which waits for it. */
  #reads: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  readonly #target: WatchTarget;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #unregister: () => void;
  readonly #problems: string[] = [];
  readonly #media: WatchedMedia;
  /** Values read but not shown, by kind. */
  readonly #notShown: Record<string, number> = {};
  /** The file system's change events under the log directory; null where it gives none (yet). */
  #changes: fs.FSWatcher | null = null;
  #changeRead: ReturnType<typeof setTimeout> | null = null;
  /** When the last read began (ms since the epoch). */
  #lastRead = 0;
  #closed = false;

  private constructor(target: WatchTarget, logdir: string, options: WatchOptions) {
    if (typeof logdir !== 'string' || !logdir)
      throw new InputError(`watch needs a log directory's path; got ${JSON.stringify(logdir)}.`);
    checkOptionsObject(options, '{ pollMs: 2000, keepLast: 10 }');
    const pollMs = options.pollMs ?? 2000;
    if (!(typeof pollMs === 'number' && pollMs >= 100))
      throw new InputError(`pollMs must be at least 100 (milliseconds); got ${pollMs}.`);
    const keepLast = checkKeepLast('watch:', options.keepLast) ?? 10;
    this.#target = target;
    this.#media = new WatchedMedia(target.media, keepLast, problem => {
      this.#count('images that could not be read');
      this.#say([problem], writeToServerLog);
    });
    // The reader (protobuf, a native CRC32C) loads with the first watch, not with the package:
    // most notebooks never watch a log directory (farm-bench, 15 pairs: 29 ms and 4.4 MB more at import).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startReading } = require('../tensorboard/reading-pool') as typeof import('../tensorboard/reading-pool');
    this.#reading = startReading(logdir);
    target.watches.add(this);
    // A log directory that cannot be listed (a path mistyped, most often) is told in the cell that
    // called watch(); what is read comes with the outputs' next update.
    this.#say(this.#listable(), inCell);
    void this.#read(inCell).catch(err => writeToServerLog(this.#failed(err)));
    this.#timer = setInterval(() => this.#timedPoll(), pollMs);
    this.#timer.unref();
    this.#unregister = target.untilEnd(() => this.close());
    this.#followChanges();
  }

  /**
   * Reads soon after the file system says something under the log directory changed. Where it
   * cannot say (no such directory yet, a platform without recursive watching), the polls go on
   * alone, and the next one tries again.
   */
  #followChanges(): void {
    if (this.#changes || this.#closed) return;
    try {
      this.#changes = fs.watch(this.logdir, { recursive: true, persistent: false }, () => {
        this.#changeRead ??= setTimeout(
          () => {
            this.#changeRead = null;
            this.#timedPoll();
          },
          Math.max(CHANGE_BURST_MS, this.#lastRead + CHANGE_READ_MS - Date.now())
        );
        this.#changeRead.unref?.();
      });
      this.#changes.on('error', () => this.#stopChanges());
    } catch {
      this.#changes = null;
    }
  }

  #stopChanges(): void {
    this.#changes?.close();
    this.#changes = null;
    if (this.#changeRead) clearTimeout(this.#changeRead);
    this.#changeRead = null;
  }

  /** A read no cell asked for: problems go to the server's log, and nothing thrown may leave it (that would end the kernel). */
  #timedPoll(): void {
    if (this.#closed) return;
    this.#read(writeToServerLog)
      .catch(err => writeToServerLog(this.#failed(err)))
      .finally(() => this.#followChanges());
  }

  #failed(err: unknown): string {
    return `metrics-plotter: reading ${this.logdir} failed (${String(err)}); it is read again at the next poll.`;
  }

  /** The log directory's problem when it cannot be listed now (said as the reader says it, once). */
  #listable(): string[] {
    try {
      fs.readdirSync(this.logdir);
      return [];
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { logdirProblem } = require('../tensorboard/logdir-reader') as typeof import('../tensorboard/logdir-reader');
      return [logdirProblem(this.logdir, (err as NodeJS.ErrnoException).code ?? String(err))];
    }
  }

  /** The log directory, absolute. */
  get logdir(): string {
    return this.#reading.logdir;
  }

  /** The runs found so far (folders of event files, relative to the log directory). */
  get runs(): readonly string[] {
    return this.#reading.runNames;
  }

  /** What went wrong so far, each said once (also in the cell or the server's log when it happened). */
  get problems(): readonly string[] {
    return [...this.#problems];
  }

  /** Records skipped so far because their CRC did not hold. */
  get corruptRecords(): number {
    return this.#reading.corrupt;
  }

  /** What the plotter's outputs say of this watch. */
  get listing(): WatchedLogdir {
    return {
      logdir: this.logdir,
      following: !this.#closed,
      runs: this.#reading.runNames.length,
      corruptRecords: this.#reading.corrupt,
      notShown: { ...this.#notShown },
      problems: this.#problems.length
    };
  }

  /** Settles once every image and video read so far is in the plotter (or said to be not shown). */
  async mediaReady(): Promise<void> {
    await this.#reads.catch(() => undefined);
    await this.#media.idle();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads the log directory again now (it is read every `pollMs` anyway); settles once what it read
   * is in the plotter. A read in progress is finished first.
   */
  poll(): Promise<void> {
    return this.#read(inCell);
  }

  /** Stops following the log directory; what was read stays in the plotter. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#stopChanges();
    this.#reading.close();
    this.#media.close();
    this.#unregister();
    this.#target.changed();
  }

  /** Problems found, kept and told (in the cell, or the server's log where no cell runs), each once. */
  #say(problems: string[], tell: (message: string) => void): void {
    const fresh = problems.filter(problem => !this.#problems.includes(problem));
    if (!fresh.length) return;
    this.#problems.push(...fresh);
    for (const problem of fresh) tell(`metrics-plotter: ${problem}`);
    this.#target.changed();
  }

  #count(kind: string, n = 1): void {
    this.#notShown[kind] = (this.#notShown[kind] ?? 0) + n;
  }

  /** A read, after the one in progress; one already waiting is the same read. */
  #read(tell: (message: string) => void): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#queued) return this.#queued;
    const read = this.#reads
      .catch(() => undefined)
      .then(() => {
        this.#queued = null;
        return this.#readNow(tell);
      });
    this.#queued = read;
    this.#reads = read;
    return read;
  }

  /** One read, applied, its problems said. */
  async #readNow(tell: (message: string) => void): Promise<void> {
    if (this.#closed) return;
    this.#lastRead = Date.now();
    const corrupt = this.#reading.corrupt;
    let counted = false;
    let problems: string[];
    try {
      problems = await this.#reading.read(update => {
        this.#apply(update);
        for (const [kind, n] of Object.entries(update.skipped)) {
          this.#count(kind, n);
          counted = true;
        }
      });
    } catch (err) {
      if (this.#closed) return;
      if (!this.#reading.inWorkers) throw err;
      // A reading worker failed: the log directory is read in the kernel's thread from now on
      // (from its start: the points read again replace the same steps).
      this.#reading.close();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { InThreadReading } = require('../tensorboard/reading-pool') as typeof import('../tensorboard/reading-pool');
      this.#reading = new InThreadReading(this.logdir);
      this.#say(
        [`reading ${this.logdir} in worker threads failed (${String(err)}); it is read in the kernel's thread from now on.`],
        tell
      );
      return this.#readNow(tell);
    }
    if (counted || this.#reading.corrupt !== corrupt) this.#target.changed();
    this.#say(problems, tell);
  }

  #apply(update: LogdirUpdate): void {
    const { metrics, runs } = this.#target;
    for (const run of update.newRuns) runs.begin(run, undefined, 'watched');
    for (const { run, config } of update.configs) runs.configure(run, config);
    this.#media.take(update.images);
    const { run, tagNames, tagIndex, values, steps, times } = update.scalars;
    // A tag the plotter cannot take as a metric name (empty): left out, counted.
    const refused = metrics.addRead(run, tagNames, tagIndex, values, steps, times);
    if (refused)
      update.skipped['scalars the plotter cannot take'] = (update.skipped['scalars the plotter cannot take'] ?? 0) + refused;
  }
}
