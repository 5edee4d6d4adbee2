/**
 * Reading a log directory off the kernel's thread: a LogdirReader in each of a few worker threads
 * (one a core, up to MAX_READERS), each reading the runs that fall to it (reading-parts.ts), their
 * updates applied in the kernel as they come. A large log directory then loads on every core while
 * the kernel stays free to run cells, as rustboard loads on every core. Where worker threads cannot
 * run (the worker's script is not beside this module, as when ts-jest runs the sources; a runtime
 * without them; a worker that failed), one LogdirReader reads in the kernel's thread.
 * docs/tensorboard.md, "Reading speed".
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { LogdirReader, type LogdirUpdate } from './logdir-reader';
import { fromWire, type ReadReply, type ReadRequest } from './read-messages';

/** Reading workers at most: past a few, the kernel's thread applying what they read is the limit. */
const MAX_READERS = 4;

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
  private readonly reader: LogdirReader;

  constructor(logdir: string) {
    this.reader = new LogdirReader(logdir);
  }

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

/** LogdirReaders in worker threads, each its part of the runs. */
class WorkerReading implements LogdirReading {
  readonly inWorkers = true;
  readonly logdir: string;
  private readonly workers: Worker[];
  private readonly runsOf: string[][];
  private readonly corruptOf: number[];
  /** The read in progress: where its updates go, and how it ends. */
  private current: {
    apply: (update: LogdirUpdate) => void;
    left: number;
    problems: string[];
    resolve: (problems: string[]) => void;
    reject: (err: Error) => void;
  } | null = null;
  private failure: Error | null = null;

  constructor(logdir: string, script: string, parts: number) {
    this.logdir = path.resolve(logdir);
    this.runsOf = Array.from({ length: parts }, () => []);
    this.corruptOf = new Array<number>(parts).fill(0);
    this.workers = Array.from({ length: parts }, (_, part) => {
      const worker = new Worker(script, { workerData: { logdir: this.logdir, part, parts } });
      worker.unref();
      worker.on('message', (reply: ReadReply) => this.take(part, reply));
      worker.on('error', err => this.fail(err));
      worker.on('exit', code => this.fail(new Error(`a reading worker exited (code ${code})`)));
      return worker;
    });
  }

  get runNames(): string[] {
    return this.runsOf.flat();
  }

  get corrupt(): number {
    return this.corruptOf.reduce((a, b) => a + b, 0);
  }

  read(apply: (update: LogdirUpdate) => void): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.current) return Promise.reject(new Error('a read of this log directory is already in progress'));
    return new Promise((resolve, reject) => {
      this.current = { apply, left: this.workers.length, problems: [], resolve, reject };
      const request: ReadRequest = { kind: 'read' };
      // Kept alive while a read is in progress (a script awaiting it has nothing else to wait on).
      for (const worker of this.workers) {
        worker.ref();
        worker.postMessage(request);
      }
    });
  }

  private take(part: number, reply: ReadReply): void {
    const current = this.current;
    if (!current) return;
    if (reply.kind === 'update') {
      try {
        current.apply(fromWire(reply));
      } catch (err) {
        this.end(err instanceof Error ? err : new Error(String(err)));
      }
      return;
    }
    this.runsOf[part] = reply.runs;
    this.corruptOf[part] = reply.corrupt;
    current.problems.push(...reply.problems);
    this.workers[part].unref();
    if (--current.left === 0) this.end(null);
  }

  private end(err: Error | null): void {
    const current = this.current;
    this.current = null;
    for (const worker of this.workers) worker.unref();
    if (!current) return;
    if (err) current.reject(err);
    else current.resolve([...new Set(current.problems)]);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.end(err);
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.end(this.failure);
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
