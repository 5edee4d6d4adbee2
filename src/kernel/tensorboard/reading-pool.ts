/**
 * Reading a log directory: what is there when the watch begins, off the kernel's thread, in a
 * LogdirReader in each of a few worker threads (one a core, up to MAX_READERS), each reading the
 * runs that fall to it (reading-parts.ts), their updates applied in the kernel as they come: a large
 * log directory loads on every core while the kernel stays free to run cells, as rustboard loads
 * on every core. Once caught up with the writers, the kernel's thread reads on alone. Where worker
 * threads cannot run (the worker's script is not beside this module, as when ts-jest runs the
 * sources; a runtime without them; a worker that failed), one LogdirReader reads in the kernel's
 * thread from the start. docs/tensorboard.md, "Reading speed".
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { LogdirReader, type LogdirUpdate, type ReaderState } from './logdir-reader';
import { fromWire, type ReadReply, type ReadRequest } from './read-messages';

/** Reading workers at most: past a few, the kernel's thread applying what they read is the limit. */
const MAX_READERS = 4;
/** A read in workers that took in less than this has caught up with the writers: the kernel's thread reads on. */
const CAUGHT_UP_BYTES = 8 << 20;

/** A log directory's reading, in the kernel's thread or in workers. */
export interface LogdirReading {
  readonly logdir: string;
  /** The runs found so far. */
  readonly runNames: string[];
  /** Corrupt records skipped so far. */
  readonly corrupt: number;
  /** Whether it reads in worker threads. */
  readonly inWorkers: boolean;
  /** Reads what is new, giving each update to `apply`; resolves with the problems found, each said once. */
  read(apply: (update: LogdirUpdate) => void): Promise<string[]>;
  close(): void;
}

/** One LogdirReader in the kernel's thread: `read` applies everything before it returns. */
export class InThreadReading implements LogdirReading {
  readonly inWorkers = false;

  constructor(
    logdir: string,
    private readonly reader = new LogdirReader(logdir)
  ) {}

  get logdir(): string {
    return this.reader.logdir;
  }

  get runNames(): string[] {
    return this.reader.runNames;
  }

  get corrupt(): number {
    return this.reader.corrupt;
  }

  read(apply: (update: LogdirUpdate) => void): Promise<string[]> {
    try {
      return Promise.resolve(this.reader.poll(apply));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): void {}
}

/**
 * LogdirReaders in worker threads, each its part of the runs, until a read finds them caught up
 * with the writers; then the kernel's thread reads on from where they were (`handOver`), and the
 * workers end: following a log costs a thread's wake-ups and messages each read, more than the
 * read itself.
 */
class WorkerReading implements LogdirReading {
  readonly logdir: string;
  private readonly workers: Worker[];
  private readonly runsOf: string[][];
  private readonly corruptOf: number[];
  /** Each worker's batches sent and not yet applied (the worker waits while there are a few). */
  private readonly inFlight: Int32Array;
  /** The read in progress: where its updates go, and how it ends. */
  private current: {
    apply: (update: LogdirUpdate) => void;
    left: number;
    bytes: number;
    problems: string[];
    resolve: (read: { problems: string[]; bytes: number }) => void;
    reject: (err: Error) => void;
  } | null = null;
  /** The workers' states asked for, as they come. */
  private states: { got: ReaderState[]; resolve: (states: ReaderState[]) => void } | null = null;
  private failure: Error | null = null;
  /** The reading after the handover. */
  private inThread: InThreadReading | null = null;

  constructor(logdir: string, script: string, parts: number) {
    this.logdir = path.resolve(logdir);
    this.runsOf = Array.from({ length: parts }, () => []);
    this.corruptOf = new Array<number>(parts).fill(0);
    this.inFlight = new Int32Array(new SharedArrayBuffer(4 * parts));
    this.workers = Array.from({ length: parts }, (_, part) => {
      const worker = new Worker(script, { workerData: { logdir: this.logdir, part, parts, inFlight: this.inFlight } });
      worker.unref();
      worker.on('message', (reply: ReadReply) => this.take(part, reply));
      worker.on('error', err => this.fail(err));
      worker.on('exit', code => this.fail(new Error(`a reading worker exited (code ${code})`)));
      return worker;
    });
  }

  get inWorkers(): boolean {
    return this.inThread === null;
  }

  get runNames(): string[] {
    return this.inThread?.runNames ?? this.runsOf.flat();
  }

  get corrupt(): number {
    return this.inThread?.corrupt ?? this.corruptOf.reduce((a, b) => a + b, 0);
  }

  async read(apply: (update: LogdirUpdate) => void): Promise<string[]> {
    if (this.inThread) return this.inThread.read(apply);
    const { problems, bytes } = await this.readInWorkers(apply);
    if (bytes < CAUGHT_UP_BYTES) await this.handOver();
    return problems;
  }

  private readInWorkers(apply: (update: LogdirUpdate) => void): Promise<{ problems: string[]; bytes: number }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.current) return Promise.reject(new Error('a read of this log directory is already in progress'));
    return new Promise((resolve, reject) => {
      this.current = { apply, left: this.workers.length, bytes: 0, problems: [], resolve, reject };
      this.send({ kind: 'read' });
    });
  }

  /** The kernel's thread reads on from where the workers are; they end. */
  private async handOver(): Promise<void> {
    const states = await new Promise<ReaderState[]>(resolve => {
      this.states = { got: [], resolve };
      this.send({ kind: 'state' });
    });
    if (this.failure) return; // closed meanwhile
    this.inThread = new InThreadReading(this.logdir, LogdirReader.from(this.logdir, states));
    for (const worker of this.workers) void worker.terminate();
  }

  /** Asks every worker, kept alive until it answers (a script awaiting a read has nothing else to wait on). */
  private send(request: ReadRequest): void {
    for (const worker of this.workers) {
      worker.ref();
      worker.postMessage(request);
    }
  }

  private take(part: number, reply: ReadReply): void {
    if (reply.kind === 'state') {
      this.workers[part].unref();
      const states = this.states;
      if (!states) return;
      states.got.push(reply.state);
      if (states.got.length === this.workers.length) {
        this.states = null;
        states.resolve(states.got);
      }
      return;
    }
    const current = this.current;
    if (reply.kind === 'updates') {
      try {
        if (current) for (const update of reply.updates) current.apply(fromWire(update));
      } catch (err) {
        this.end(err instanceof Error ? err : new Error(String(err)));
      } finally {
        // Applied (or dropped): the worker may read on.
        Atomics.sub(this.inFlight, part, 1);
        Atomics.notify(this.inFlight, part);
      }
      return;
    }
    if (!current) return;
    this.runsOf[part] = reply.runs;
    this.corruptOf[part] = reply.corrupt;
    current.problems.push(...reply.problems);
    current.bytes += reply.bytes;
    this.workers[part].unref();
    if (--current.left === 0) this.end(null);
  }

  private end(err: Error | null): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    if (!err) {
      current.resolve({ problems: [...new Set(current.problems)], bytes: current.bytes });
      return;
    }
    for (const worker of this.workers) worker.unref();
    current.reject(err);
  }

  private fail(err: Error): void {
    if (this.failure || this.inThread) return; // ended: by close(), or handed over
    this.failure = err;
    this.end(err);
    this.states?.resolve([]);
  }

  close(): void {
    this.inThread?.close();
    if (!this.failure) this.fail(new Error('closed'));
    for (const worker of this.workers) void worker.terminate();
  }
}

/**
 * The reading of `logdir`: in worker threads where they run (`workers`: how many; default one a
 * core, up to MAX_READERS), else in the kernel's thread.
 */
export function startReading(logdir: string, workers?: number): LogdirReading {
  const script = path.join(__dirname, 'read-worker.js');
  const parts = workers ?? Math.min(MAX_READERS, os.availableParallelism?.() ?? os.cpus().length);
  if (parts < 1 || !fs.existsSync(script)) return new InThreadReading(logdir);
  try {
    return new WorkerReading(logdir, script, parts);
  } catch {
    return new InThreadReading(logdir);
  }
}
