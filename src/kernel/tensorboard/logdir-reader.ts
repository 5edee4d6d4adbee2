/**
 * A log directory read as TensorBoard reads it, and followed: every event file under it, one run per
 * folder that holds event files (relative to the log directory), each file read on from where the
 * last poll stopped. New points, new files (a restarted run writes a second file in its folder)
 * and new run folders all come in the next poll. Nothing is ever written under the log directory.
 * What goes wrong (the directory missing, a folder gone, permission denied, a file truncated or
 * replaced, corrupt records) is said once and never stops the other runs. docs/tensorboard.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { HPARAMS, decodeEvent, decodeSessionStartHParams, tensorNumbers, type HParams, type TbValue } from './messages';
import { eachRecord } from './records';
import { ScalarColumns, type ReadScalars } from './scalar-columns';
import { TagNames, readScalarEvent, type ScalarSink } from './scalar-events';

export type { ReadScalars } from './scalar-columns';

/** Bytes read from one file in one poll, at most: a huge backlog is read over several polls. */
const READ_PER_POLL = 32 << 20;
/**
 * Bytes read, decoded and applied at a time: what a read holds beyond the plotter's own points is
 * this and its decoded scalars (ad-hoc, 4 million scalar events read alone: peak RSS 265 MB with
 * 32 MB at a time, 128 MB with 4 MB).
 */
const CHUNK_BYTES = 4 << 20;
/** A chunk grows (fourfold) to hold a record larger than it, up to about a record's largest. */
const MAX_CHUNK_BYTES = 1 << 30;

/** What a read gives beside the scalars, as it is collected (the file's run kept for its images and configs). */
type UpdateRest = Omit<LogdirUpdate, 'scalars'> & { run: string };

function updateOf(columns: ScalarColumns, { run, ...rest }: UpdateRest): LogdirUpdate {
  return { scalars: columns.take(run), ...rest };
}

/** What one read of a stretch of one event file gives. */
export interface LogdirUpdate {
  scalars: ReadScalars;
  /** Images (PNG, JPEG, or a GIF: PyTorch's `add_video`), encoded as written; `wallTime` in seconds. */
  images: Array<{ run: string; tag: string; step: number; wallTime: number; encoded: Uint8Array }>;
  /** A run's hyperparameters (the hparams plugin's session start info). */
  configs: Array<{ run: string; config: HParams }>;
  /** Runs seen for the first time, in the order found. */
  newRuns: string[];
  /** Values of kinds the plotter does not show yet, or of plugins it does not know, by kind. */
  skipped: Record<string, number>;
}

/** Where a reader is in a log directory: enough for another reader to read on from there. */
export interface ReaderState {
  files: Array<[string, FileState]>;
  runs: string[];
  said: string[];
}

interface FileState {
  run: string;
  /** Bytes read as complete records. */
  offset: number;
  ino: number;
  corrupt: number;
  /** The file could not be framed at `offset` last poll (said once it stays so). */
  stuckAt: number | null;
}

/**
 * The run a folder's events belong to: the folder, relative to the log directory (the log
 * directory itself: its own name). PyTorch's `add_hparams` writes into a child folder of the run;
 * that child's hyperparameters and metrics are its parent's, when its parent holds event files
 * too (TensorBoard's HParams dashboard pairs them alike).
 */
function runOfFolder(logdir: string, folder: string, holdsEvents: (folder: string) => boolean): string {
  const rel = path.relative(logdir, folder);
  if (!rel) return path.basename(logdir);
  const parent = path.dirname(folder);
  if (parent !== logdir && path.dirname(rel) !== '.' && holdsEvents(parent))
    return path.relative(logdir, parent).split(path.sep).join('/');
  return rel.split(path.sep).join('/');
}

/** What is said of a log directory that cannot be listed, by the error's code. */
export function logdirProblem(logdir: string, code: string): string {
  return code === 'ENOENT'
    ? `the log directory ${logdir} does not exist (yet): runs appear here once a job writes event files into it.`
    : `the log directory ${logdir} cannot be read (${code}): check its permissions.`;
}

export class LogdirReader {
  readonly logdir: string;
  private readonly files = new Map<string, FileState>();
  private readonly runs = new Set<string>();
  private readonly tagNames = new TagNames();
  /** Problems said once, by what they are about. */
  private readonly said = new Set<string>();
  /** Bytes the last poll read as complete records. */
  private readBytes = 0;

  /**
   * `owns(run)`: whether this reader reads a run's files (one of several readers sharing a log
   * directory by run, reading-pool.ts); every run, by default.
   */
  constructor(
    logdir: string,
    private readonly owns: (run: string) => boolean = () => true
  ) {
    this.logdir = path.resolve(logdir);
  }

  /** A reader that reads on from where those that left `states` were (each its own runs' files). */
  static from(logdir: string, states: ReaderState[]): LogdirReader {
    const reader = new LogdirReader(logdir);
    for (const state of states) {
      for (const [file, at] of state.files) reader.files.set(file, { ...at });
      for (const run of state.runs) reader.runs.add(run);
      for (const key of state.said) reader.said.add(key);
    }
    return reader;
  }

  /** Where this reader is (see `from`). */
  state(): ReaderState {
    return { files: [...this.files].map(([file, at]) => [file, { ...at }]), runs: [...this.runs], said: [...this.said] };
  }

  /** Bytes the last poll read as complete records: about 0 once it has caught up with the writers. */
  get lastReadBytes(): number {
    return this.readBytes;
  }

  /** Corrupt records skipped so far, across every file. */
  get corrupt(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.corrupt;
    return n;
  }

  /** The runs found so far. */
  get runNames(): string[] {
    return [...this.runs];
  }

  /**
   * Reads what is new. `apply` gets it file by file (each at most READ_PER_POLL bytes' worth), so
   * that a large log directory is never held whole: what the plotter keeps of it is the store's,
   * within its memory bound. Returns what went wrong, each said once.
   */
  poll(apply: (update: LogdirUpdate) => void): string[] {
    const problems: string[] = [];

    const say = (key: string, message: string): void => {
      if (this.said.has(key)) return;
      this.said.add(key);
      problems.push(message);
    };
    this.readBytes = 0;
    const eventFiles = this.list(say);
    if (eventFiles === null) return problems;
    const folders = new Set(eventFiles.map(f => path.dirname(f)));
    for (const file of eventFiles) {
      const run = this.files.get(file)?.run ?? runOfFolder(this.logdir, path.dirname(file), folder => folders.has(folder));
      if (this.owns(run)) this.readFile(file, run, say, apply);
    }
    return problems;
  }

  /** Every event file under the log directory; null when the directory cannot be read at all. */
  private list(say: (key: string, message: string) => void): string[] | null {
    const out: string[] = [];
    const walk = (folder: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(folder, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (folder === this.logdir) {
          say(`logdir ${code}`, logdirProblem(this.logdir, code ?? String(err)));
          throw err;
        }
        // A folder gone between listing and reading it (a job cleaned up), or not ours to read.
        if (code !== 'ENOENT') say(`folder ${folder}`, `${folder} cannot be read (${code}); its runs are left out.`);
        return;
      }
      for (const e of entries) {
        const full = path.join(folder, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.includes('tfevents')) out.push(full);
      }
    };
    try {
      walk(this.logdir);
    } catch {
      return null;
    }
    return out.sort();
  }

  /** Gives `apply` what is new in `file`, a chunk at a time. */
  private readFile(
    file: string,
    run: string,
    say: (key: string, message: string) => void,
    apply: (update: LogdirUpdate) => void
  ): void {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') say(`file ${file} ${code}`, `${file} cannot be read (${code}); it is left out.`);
      return;
    }
    try {
      const stat = fs.fstatSync(fd);
      let state = this.files.get(file);
      if (state && (state.ino !== stat.ino || stat.size < state.offset)) {
        say(`replaced ${file} ${stat.ino} ${stat.size}`, `${file} was truncated or replaced: it is read again from its start.`);
        state = undefined;
      }
      const newRuns: string[] = [];
      if (!state) {
        state = { run, offset: 0, ino: stat.ino, corrupt: 0, stuckAt: null };
        this.files.set(file, state);
        if (!this.runs.has(run)) {
          this.runs.add(run);
          newRuns.push(run);
        }
      }
      // Room for what the bytes there hold if they are scalars (a scalar event is 40 bytes or more).
      const columns = new ScalarColumns(this.tagNames, Math.min(stat.size - state.offset, CHUNK_BYTES) / 40);
      let rest: UpdateRest = { run, images: [], configs: [], newRuns, skipped: {} };
      let chunk = CHUNK_BYTES;
      for (let budget = READ_PER_POLL; budget > 0;) {
        const length = Math.min(stat.size - state.offset, chunk);
        if (length <= 0) break;
        const bytes = Buffer.alloc(length);
        const read = fs.readSync(fd, bytes, 0, length, state.offset);
        const { consumed, corrupt, unframeable } = eachRecord(bytes.subarray(0, read), (start, end) => {
          if (!readScalarEvent(bytes, start, end, this.tagNames, columns.push))
            this.take(bytes.subarray(start, end), rest, columns.push);
        });
        apply(updateOf(columns, rest));
        rest = { run, images: [], configs: [], newRuns: [], skipped: {} };
        state.offset += consumed;
        this.readBytes += consumed;
        budget -= consumed;
        if (corrupt) {
          state.corrupt += corrupt;
          say(
            `corrupt ${file} ${state.corrupt}`,
            `${state.corrupt} corrupt record(s) in ${file} were skipped (their CRC does not hold).`
          );
        }
        if (unframeable) {
          // A length that does not hold where the file has grown past it twice: not a moment of
          // shared storage, but a damaged file; said once, read no further.
          if (consumed === 0 && read === length) {
            if (state.stuckAt === state.offset)
              say(`unframeable ${file}`, `${file} is damaged at byte ${state.offset}: what follows is not read.`);
            state.stuckAt = state.offset;
          }
          return;
        }
        state.stuckAt = null;
        if (consumed > 0) continue;
        // No whole record in a full chunk: one larger than the chunk (a long video), read with a
        // chunk that holds it; or one still being written, read next poll.
        if (read === chunk && chunk <= MAX_CHUNK_BYTES) chunk *= 4;
        else break;
      }
      if (rest.newRuns.length) apply(updateOf(columns, rest));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** An event the hot path (scalar-events.ts) does not read, decoded in full. */
  private take(record: Buffer, update: UpdateRest, scalar: ScalarSink): void {
    let event;
    try {
      event = decodeEvent(record);
    } catch {
      update.skipped['undecodable record'] = (update.skipped['undecodable record'] ?? 0) + 1;
      return;
    }
    for (const value of event.values) {
      const number = scalarOf(value);
      if (number !== null) scalar(this.tagNames.idOf(value.tag), event.step, number, event.wallTime);
      else if (value.plugin === HPARAMS.plugin && value.pluginContent) {
        const config = decodeSessionStartHParams(value.pluginContent);
        if (config) update.configs.push({ run: update.run, config });
      } else if (imageOf(value)) {
        update.images.push({
          run: update.run,
          tag: value.tag,
          step: event.step,
          wallTime: event.wallTime,
          encoded: imageOf(value)!
        });
      } else {
        const kind = value.histogram ? 'histograms' : (value.plugin ?? 'other');
        update.skipped[kind] = (update.skipped[kind] ?? 0) + 1;
      }
    }
  }
}

/**
 * A value's encoded image: an old-style image summary's (PyTorch, tensorboardX), or the first of a
 * TF2 image tensor's ([width, height, image, …] as strings: TensorBoard shows its first sample first).
 */
function imageOf(value: TbValue): Uint8Array | null {
  if (value.image?.encoded.length) return value.image.encoded;
  const strings = value.plugin === 'images' ? value.tensor?.strings : undefined;
  return strings && strings.length >= 3 && strings[2].length ? strings[2] : null;
}

/** A value's scalar: an old-style simple value, or a one-element numeric tensor of the scalars plugin (TF2, PyTorch's new style). */
function scalarOf(value: TbValue): number | null {
  if (value.simpleValue !== undefined) return value.simpleValue;
  if (!value.tensor || (value.plugin !== undefined && value.plugin !== 'scalars')) return null;
  const numbers = tensorNumbers(value.tensor);
  return numbers && numbers.length === 1 ? numbers[0] : null;
}
