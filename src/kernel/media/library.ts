/**
 * A plotter's media: rollout videos and images logged under a name at training steps. The library
 * alone owns media names, steps, the files claimed for them (through the assets owner) and the
 * encoders running for them:
 *
 *   name "rollout"  step 0 → rollout.mp4     step 100 → rollout-2.mp4     step 200 → …
 *
 *  - the same name at a new step adds to that name's series; at a step it already has, the new
 *    entry replaces the old one once it is finished (the old file is the plotter's own, deleted);
 *  - `keepLast` keeps only the last N entries of a name on disk; older files are deleted and counted;
 *  - a run's media are its own series: the same name in two runs is two series (keyed by seriesKey);
 *  - each entry's file is claimed atomically when its encode starts, so concurrent encodes whose
 *    names map to the same file stem get different files.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  cleanupFailureMessage,
  runField,
  seriesKey,
  type CleanupReport,
  type MediaEntry,
  type MediaFileState
} from '../../protocol';
import { AssetsOwner } from '../files/owner';
import { emptyReport, mergeInto } from '../files/report';
import { StorageError } from '../files/storage-error';
import { EncodeError } from './video-encoder';
import type { EncodePool, PooledEncoder } from './encode-pool';
import type { VideoWriter } from './video-writer';
import { openVideoWriter, type Encode, type ProgressDisplay, type WriterOwner, type WriterSpec } from './writer-session';
import './video-writer'; // sets the writer factory

/** File names derived from labels: readable and safe on every OS. */
export function mediaFileStem(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return (stem || 'media').slice(0, 80);
}

/** `<dir>/<stem><ext>`, or `<stem>-2<ext>`, … : the first path that does not exist. */
export function freePath(dir: string, stem: string, ext: string): string {
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${stem}${n === 1 ? '' : `-${n}`}${ext}`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}

export class MediaLibrary implements WriterOwner {
  /** The entries of each media name of each run, by seriesKey, by step. */
  private readonly series = new Map<string, MediaEntry[]>();
  private readonly retiredCount = new Map<string, number>();
  private readonly keepLastOf = new Map<string, number>();
  private readonly encodes = new Set<Encode>();
  /** Each entry's still (JPEG), by the file name it was encoded to; held after the session ends, files gone. */
  private readonly stillOf = new Map<string, Buffer>();
  /** The file name each entry was encoded to (a kept entry is a new object with a new path: the same file). */
  private readonly fileOfEntry = new WeakMap<MediaEntry, string>();
  private ended = false;
  /** No page shows the plotter (see unwatch): no file of it stays on disk. */
  private unwatched = false;

  constructor(
    private readonly assets: AssetsOwner,
    private readonly defaultKeepLast: number | undefined,
    /** Called when an entry is added, replaced or retired. */
    private readonly onChange: () => void,
    /** Where encodes wait for their turn (encode-pool.ts). */
    private readonly pool: EncodePool,
    /** A display for a long encode's progress; null where there is no cell to show it (the host's). */
    private readonly progress: () => ProgressDisplay | null = () => null
  ) {}

  /**
   * Up to `max` bytes of one of this plotter's media files from `offset` on (a page whose server
   * cannot see the kernel's folder plays it from these). Only a current entry's own file is read.
   */
  readChunk(relPath: string, offset: number, max: number): { state: MediaFileState; size: number; bytes: Buffer } {
    const none = Buffer.alloc(0);
    const entry = this.entries().find(e => e.path === relPath);
    if (!entry) return { state: 'not media', size: 0, bytes: none };
    let fd: number;
    try {
      fd = fs.openSync(entry.absolutePath, 'r');
    } catch {
      return { state: 'removed', size: 0, bytes: none };
    }
    try {
      const size = fs.fstatSync(fd).size;
      const bytes = Buffer.alloc(Math.max(0, Math.min(max, size - offset)));
      const read = bytes.length ? fs.readSync(fd, bytes, 0, bytes.length, offset) : 0;
      return { state: 'present', size, bytes: bytes.subarray(0, read) };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every entry on disk, by name, then step. */
  entries(): MediaEntry[] {
    return [...this.series.values()].flat();
  }

  retired(): Record<string, number> {
    return Object.fromEntries(this.retiredCount);
  }

  /** The still of each media name's latest entry (of each run), where one was made; in the order the names came. */
  stills(): Array<{ entry: MediaEntry; jpeg: Buffer }> {
    const out: Array<{ entry: MediaEntry; jpeg: Buffer }> = [];
    for (const list of this.series.values()) {
      const entry = list[list.length - 1];
      const file = entry && this.fileOfEntry.get(entry);
      const jpeg = file && this.stillOf.get(file);
      if (jpeg) out.push({ entry, jpeg });
    }
    return out;
  }

  /**
   * Hands the entry of `key` (seriesKey) at `step` over to the user: its file moves to `destination`
   * (never overwriting: an EEXIST error says so) and the entry records where it went; the plotter
   * no longer owns it. Undefined when there is no such entry.
   */
  keep(key: string, step: number, destination: string): MediaEntry | undefined {
    const list = this.series.get(key);
    const at = list?.findIndex(e => e.step === step) ?? -1;
    if (!list || at < 0) return undefined;
    const entry = list[at];
    if (entry.kept) return entry;
    if (entry.gone) {
      throw new StorageError(
        `cannot keep "${entry.name}" at step ${entry.step}: its file was removed while no page showed the plotter ` +
          '(only its still is left). Media logged while a page shows the plotter can be kept.'
      );
    }
    this.assets.release(path.basename(entry.absolutePath), destination);
    const kept: MediaEntry = {
      ...entry,
      path: path.relative(this.assets.root, destination).split(path.sep).join('/'),
      absolutePath: destination,
      kept: true
    };
    list[at] = kept;
    const file = this.fileOfEntry.get(entry);
    if (file) this.fileOfEntry.set(kept, file);
    this.tidyFolder(); // nothing of the plotter's left on disk (all kept, or gone): its folder goes now
    this.onChange();
    return kept;
  }

  /** Claims the entry's file, starts its encoder, and hands back the writer that feeds it. */
  writer(spec: WriterSpec): VideoWriter {
    return openVideoWriter(this, this.start(spec), spec, this.progress);
  }

  private start(req: WriterSpec): Encode {
    if (req.keepLast !== undefined) this.keepLastOf.set(seriesKey(req), req.keepLast);
    const ext = req.kind === 'image' ? '.png' : '.mp4';
    const stem = req.run ? `${mediaFileStem(req.run)}-${mediaFileStem(req.name)}` : mediaFileStem(req.name);
    const { name: fileName, path: output } = this.assets.claimFile(stem, ext);
    let encoder: PooledEncoder;
    try {
      encoder = this.pool.encoder({ ...req, output, format: req.kind === 'image' ? 'png' : 'mp4' });
    } catch (err) {
      this.discard(fileName);
      throw err;
    }
    const encode: Encode = { encoder, fileName, name: req.name, run: req.run, step: req.step, kind: req.kind };
    this.encodes.add(encode);
    return encode;
  }

  /** An encode finished: record its file, replace an entry at the same step, apply keepLast. */
  finish(
    encode: Encode,
    entry: Omit<MediaEntry, 'path' | 'absolutePath' | 'kind' | 'name' | 'run' | 'step'>,
    still: Buffer | null
  ): MediaEntry {
    if (this.ended) {
      // Closed while ffmpeg finished: the plotter owns nothing any more.
      encode.encoder.abortSync('the plotter was closed');
      this.encodes.delete(encode);
      throw new EncodeError(`the plotter was closed while "${encode.name}" was being encoded; it was removed.`);
    }
    try {
      this.assets.confirm(encode.fileName);
    } catch (err) {
      this.drop(encode);
      throw err instanceof StorageError
        ? err
        : new StorageError(`could not record "${encode.name}": ${String(err)}. It was removed.`);
    }
    this.encodes.delete(encode);
    const absolutePath = this.assets.pathOf(encode.fileName);
    const media: MediaEntry = {
      kind: encode.kind,
      ...runField(encode.run),
      name: encode.name,
      step: encode.step,
      path: path.relative(this.assets.root, absolutePath).split(path.sep).join('/'),
      absolutePath,
      ...entry
    };
    const key = seriesKey(encode);
    const list = this.series.get(key) ?? [];
    const replaced = list.filter(e => e.step === encode.step);
    const remaining = list.filter(e => e.step !== encode.step);
    remaining.push(media);
    remaining.sort((a, b) => a.step - b.step);
    const keepLast = this.keepLastOf.get(key) ?? this.defaultKeepLast;
    const retired = keepLast !== undefined && remaining.length > keepLast ? remaining.splice(0, remaining.length - keepLast) : [];
    this.series.set(key, remaining);
    this.fileOfEntry.set(media, encode.fileName);
    for (const old of [...replaced, ...retired]) this.stillOf.delete(this.fileOfEntry.get(old) ?? '');
    if (still) this.stillOf.set(encode.fileName, still);
    if (retired.length) this.retiredCount.set(key, (this.retiredCount.get(key) ?? 0) + retired.length);
    // A kept entry's file is the user's: it goes from the list, never from the disk.
    for (const old of [...replaced, ...retired]) if (!old.kept) this.discard(path.basename(old.absolutePath));
    if (!this.unwatched) {
      this.onChange();
      return media;
    }
    // No page shows the plotter: the still stays, the file goes at once.
    const report = emptyReport();
    const gone = this.removeFileOf(media, report);
    const at = remaining.indexOf(media);
    if (at >= 0) remaining[at] = gone;
    this.tidyFolder();
    if (!report.ok) console.error(cleanupFailureMessage(report.failures));
    this.onChange();
    return gone;
  }

  /**
   * No page shows the plotter any more (every page that held one of its views went away): its files
   * go now, and each new one as soon as it is recorded, until watch(). Entries and their stills stay,
   * so a page that comes back shows what was logged.
   */
  unwatch(): CleanupReport {
    if (this.ended || this.unwatched) return emptyReport();
    this.unwatched = true;
    const report = emptyReport();
    for (const [key, list] of this.series)
      this.series.set(
        key,
        list.map(entry => this.removeFileOf(entry, report))
      );
    mergeInto(report, this.tidyFolder());
    this.onChange();
    return report;
  }

  /** The entry once its file is removed (a kept entry is the user's: it stays as it is). */
  private removeFileOf(entry: MediaEntry, report: CleanupReport): MediaEntry {
    if (entry.kept || entry.gone) return entry;
    const file = this.fileOfEntry.get(entry);
    const removal = this.assets.discard(path.basename(entry.absolutePath));
    mergeInto(report, removal);
    if (!removal.ok) return entry;
    const gone: MediaEntry = { ...entry, gone: true };
    if (file) this.fileOfEntry.set(gone, file);
    return gone;
  }

  /** A page shows the plotter again: new files stay. */
  watch(): void {
    this.unwatched = false;
  }

  /** An encode ended without a result: its file goes, and our folder if it holds nothing. */
  drop(encode: Encode): void {
    this.encodes.delete(encode);
    this.discard(encode.fileName);
  }

  private discard(fileName: string): void {
    const report = this.assets.discard(fileName);
    this.tidyFolder();
    if (!report.ok) console.error(cleanupFailureMessage(report.failures));
  }

  /** Our folder goes once no file of ours is in it and no encode will write one. */
  private tidyFolder(): CleanupReport {
    return this.assets.holdsNoFile && this.encodes.size === 0 ? this.assets.cleanup() : emptyReport();
  }

  /** tslab interrupt: running encodes stop and their partial files go; finished media stay. */
  interrupt(): void {
    for (const encode of [...this.encodes]) {
      encode.encoder.abortSync('the kernel was interrupted');
      this.drop(encode);
    }
  }

  /** End of the session: stop every encode, remove every file. Synchronous (runs at exit too). */
  end(): CleanupReport {
    this.ended = true;
    for (const encode of this.encodes) encode.encoder.abortSync('the plotter was closed');
    this.encodes.clear();
    return this.assets.cleanup();
  }
}
