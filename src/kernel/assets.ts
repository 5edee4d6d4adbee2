/**
 * Ownership of the files a plotter writes, and their removal.
 *
 * Layout, in the notebook's folder (the kernel's working folder):
 *
 *   assets/                                   made by us only if it did not exist
 *     .metrics-plotter-made-this-folder       marker: a plotter created assets/, so the last one may remove it
 *     metrics-plotter-<pid>-<hex>/            one folder per plotter, never shared
 *       .metrics-plotter-owner.json           manifest: owner process, and every file it wrote
 *       rollout.mp4.part                      being written by ffmpeg ("writing")
 *       reward.mp4                            finished ("done")
 *
 * The rules that keep user files safe, whatever a manifest on disk says (a folder can arrive by a
 * git clone, an unzipped archive or a shared drive, so a manifest is untrusted input):
 *  - only plain file names directly inside that plotter's own folder are ever deleted: a manifest
 *    entry with a separator, "..", a leading dot, or anything but a name is ignored and reported;
 *  - only while the file is still the regular file the plotter made, by its recorded identity:
 *    device, inode and birth time, plus size and mtime once finished (a file still being written
 *    grows, so it is matched by device, inode and birth time: the plotter creates it exclusively
 *    itself before ffmpeg writes into it, and ffmpeg keeps the inode). An entry without an identity
 *    is never followed. Symlinks are never followed; folders are only rmdir'ed;
 *  - a folder whose manifest names another host is not swept: a PID means nothing across machines;
 *  - assets/ is removed only when it carries our marker and holds nothing else;
 *  - a failed start (disk full, read-only folder) undoes what it made, so it leaves nothing.
 *
 * Everything here is synchronous on purpose: it must also run inside a process 'exit' handler.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { CleanupFailure, CleanupReport } from '../protocol';

export const ASSETS_DIR_NAME = 'assets';
export const ASSETS_MARKER_NAME = '.metrics-plotter-made-this-folder';
export const OWNER_DIR_PREFIX = 'metrics-plotter-';
export const MANIFEST_NAME = '.metrics-plotter-owner.json';
const OWNER_DIR_PATTERN = /^metrics-plotter-(\d+)-[0-9a-f]{8}$/;
const PART_SUFFIX = '.part';

/** The file system said no: disk full, read-only, no permission. The message says what to do. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(`metrics-plotter: ${message}`);
    this.name = 'StorageError';
  }
}

/** Turns an fs error into words a researcher can act on. */
export function storageError(err: unknown, action: string, target: string): StorageError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const tail = 'Nothing was left behind.';
  switch (code) {
    case 'ENOSPC':
      return new StorageError(
        `cannot ${action}: the disk that holds ${target} is full (ENOSPC). Free some space there, then try again. ${tail}`,
        code
      );
    case 'EDQUOT':
      return new StorageError(
        `cannot ${action}: your disk quota for ${target} is used up (EDQUOT). Free some space, then try again. ${tail}`,
        code
      );
    case 'EROFS':
      return new StorageError(
        `cannot ${action}: ${target} is on a read-only file system (EROFS), and videos are written next to the notebook. ` +
          `Copy the notebook to a writable folder and run it from there. ${tail}`,
        code
      );
    case 'EACCES':
    case 'EPERM':
      return new StorageError(
        `cannot ${action}: no permission to write in ${target} (${code}). Open the notebook from a folder you can write to, ` +
          `or make this one writable for the user the kernel runs as. ${tail}`,
        code
      );
    default:
      return new StorageError(`cannot ${action} in ${target}: ${errorText(err)}. ${tail}`, code);
  }
}

/** One file a plotter wrote, as its manifest records it. */
interface OwnedFile {
  /** Final file name inside the owner folder (never a path). While writing, the file is `<name>.part`. */
  name: string;
  state: 'writing' | 'done';
  /** Identity of the file the plotter created. Inode alone is not enough: ext4 hands a freed inode to the next file. */
  dev: number;
  ino: number;
  /** Birth time where the file system records one (0 where it does not); absent in version 1 manifests. */
  birthtimeMs?: number;
  /** Set when finished. */
  size?: number;
  mtimeMs?: number;
}

interface Manifest {
  tool: 'metrics-plotter';
  version: 2;
  pid: number;
  /** Start time of the owner process (Linux: /proc/<pid>/stat field 22), to detect a reused pid. */
  processStart: string | null;
  hostname: string;
  /** True once the owner tried to clean up; a later sweep retries whatever is still listed. */
  closed: boolean;
  files: OwnedFile[];
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : String(err);
}

function emptyReport(): CleanupReport {
  return { ok: true, removed: [], failures: [], kept: [] };
}

function mergeInto(target: CleanupReport, other: CleanupReport): CleanupReport {
  target.removed.push(...other.removed);
  target.failures.push(...other.failures);
  (target.kept ??= []).push(...(other.kept ?? []));
  target.ok = target.failures.length === 0;
  return target;
}

function keep(report: CleanupReport, file: string, reason: string): void {
  (report.kept ??= []).push({ path: file, reason });
}

/** A name that stays inside the folder it is joined to, and is not one of our own dot files. */
export function isPlainFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    !/[/\\\0]/.test(name) &&
    !name.startsWith('.') &&
    path.basename(name) === name
  );
}

export class AssetsOwner {
  readonly id: string;
  readonly root: string;
  readonly assetsDir: string;
  readonly dir: string;
  private readonly manifestPath: string;
  private readonly files = new Map<string, OwnedFile>();
  /** Every name this owner ever claimed: a name is never reused, so a URL always means one file. */
  private readonly claimedNames = new Set<string>();
  private dirReady = false;

  /** @param root the notebook's folder; nothing is written until the first file is claimed. */
  constructor(root: string) {
    this.root = path.resolve(root);
    this.id = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.assetsDir = path.join(this.root, ASSETS_DIR_NAME);
    this.dir = path.join(this.assetsDir, OWNER_DIR_PREFIX + this.id);
    this.manifestPath = path.join(this.dir, MANIFEST_NAME);
  }

  /**
   * Creates assets/ (with our marker), this owner's folder and its first manifest, on first use.
   * Whatever step fails, the steps before it are undone: a failed start leaves nothing.
   */
  private ensureDir(): void {
    if (this.dirReady) return;
    const undo: Array<() => void> = [];
    try {
      try {
        fs.mkdirSync(this.assetsDir);
        undo.push(() => fs.rmdirSync(this.assetsDir));
        const marker = path.join(this.assetsDir, ASSETS_MARKER_NAME);
        undo.push(() => fs.rmSync(marker, { force: true }));
        fs.writeFileSync(marker, 'Made by metrics-plotter; it removes this folder when it is empty.\n', { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || undo.length > 0) throw err;
        if (!fs.statSync(this.assetsDir).isDirectory()) {
          throw new StorageError(
            `cannot store videos because ${this.assetsDir} exists and is not a folder. Rename or move that file, then try again.`
          );
        }
      }
      fs.mkdirSync(this.dir); // throws EEXIST rather than share a folder: the id is random per plotter
      undo.push(() => fs.rmdirSync(this.dir));
      undo.push(() => {
        fs.rmSync(this.manifestPath, { force: true });
        fs.rmSync(`${this.manifestPath}.tmp`, { force: true });
      });
      this.writeManifest(false);
      this.dirReady = true;
    } catch (err) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch {
          /* undo as much as can be undone; the error below is what the user needs */
        }
      }
      if (err instanceof StorageError) throw err;
      throw storageError(err, 'store videos', this.assetsDir);
    }
  }

  private writeManifest(closed: boolean): void {
    const manifest: Manifest = {
      tool: 'metrics-plotter',
      version: 2,
      pid: process.pid,
      processStart: processStartTime(process.pid),
      hostname: os.hostname(),
      closed,
      files: [...this.files.values()]
    };
    const tmp = `${this.manifestPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(manifest));
    fs.renameSync(tmp, this.manifestPath);
  }

  /** Absolute path of an owned file name; the name must be a plain file name. */
  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Claims a file for a new asset: the first free name of `<stem><ext>`, `<stem>-2<ext>`, … is
   * taken by creating `<name>.part` exclusively (so concurrent claims can never get the same file)
   * and recording its identity in the manifest before anything is written into it. The writer fills
   * `<path>.part` and renames it to `<path>` when done, then calls `confirm(name)`.
   */
  claimFile(stem: string, ext: string): { name: string; path: string } {
    for (let n = 1; ; n++) {
      const name = `${stem}${n === 1 ? '' : `-${n}`}${ext}`;
      if (this.claimedNames.has(name) || fs.existsSync(this.pathOf(name))) continue;
      try {
        return { name, path: this.claim(name) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  private claim(name: string): string {
    if (!isPlainFileName(name)) throw new Error(`metrics-plotter: bad asset file name ${JSON.stringify(name)}`);
    this.ensureDir();
    const part = this.pathOf(name) + PART_SUFFIX;
    let created = false;
    try {
      fs.closeSync(fs.openSync(part, 'wx'));
      created = true;
      const st = fs.lstatSync(part);
      this.files.set(name, { name, state: 'writing', dev: st.dev, ino: st.ino, birthtimeMs: st.birthtimeMs });
      this.claimedNames.add(name);
      this.writeManifest(false);
    } catch (err) {
      this.files.delete(name);
      if (created) fs.rmSync(part, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
      if (this.files.size === 0) this.cleanup(); // the first claim failed: leave nothing
      throw storageError(err, `write ${name}`, this.dir);
    }
    return this.pathOf(name);
  }

  /** Records the identity of a finished file: only that exact file is ever deleted. */
  confirm(name: string): void {
    const st = fs.lstatSync(this.pathOf(name));
    const claimed = this.files.get(name);
    if (!claimed || st.dev !== claimed.dev || st.ino !== claimed.ino) {
      throw new Error(`metrics-plotter: ${this.pathOf(name)} is not the file this plotter claimed.`);
    }
    this.files.set(name, { ...claimed, state: 'done', size: st.size, mtimeMs: st.mtimeMs });
    this.writeManifest(false);
  }

  /** Deletes one owned file now (an aborted encode, or an entry replaced or dropped by retention). */
  discard(name: string): CleanupReport {
    const entry = this.files.get(name);
    const report = emptyReport();
    if (!entry) return report;
    removeOwnedFile(this.dir, entry, report);
    if (report.ok) {
      this.files.delete(name);
      if (this.dirReady) this.writeManifest(false);
    }
    return report;
  }

  /** Whether this owner has written anything to disk yet. */
  get hasFolder(): boolean {
    return this.dirReady;
  }

  /** Removes every file this owner wrote, its folder, and assets/ when we made it and it is empty. */
  cleanup(): CleanupReport {
    if (!this.dirReady) return emptyReport();
    const report = removeOwnerDir(this.dir, [...this.files.values()]);
    for (const removed of report.removed) this.files.delete(path.basename(removed));
    if (!report.ok) {
      // Keep a manifest of what is left, marked closed, so a later sweep or `metrics-plotter clean` retries.
      try {
        this.writeManifest(true);
      } catch {
        /* the failure itself is already reported */
      }
    } else {
      this.files.clear();
      this.dirReady = false;
    }
    tidyAssetsDir(this.assetsDir);
    return report;
  }
}

/** Whether `st` is still the very file the entry records. */
function isSameFile(st: fs.Stats, entry: OwnedFile): boolean {
  if (!st.isFile() || st.dev !== entry.dev || st.ino !== entry.ino) return false;
  if (entry.birthtimeMs !== undefined && st.birthtimeMs !== entry.birthtimeMs) return false;
  return entry.state === 'writing' || (st.size === entry.size && st.mtimeMs === entry.mtimeMs);
}

/** Deletes the entry's file if it is still the one the plotter made; a file of another identity is kept. */
function removeOwnedFile(dir: string, entry: OwnedFile, report: CleanupReport): void {
  // A killed encode may have renamed `.part` to the final name just before the kill: look at both.
  const candidates = entry.state === 'writing' ? [entry.name + PART_SUFFIX, entry.name] : [entry.name];
  for (const name of candidates) {
    const file = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // already gone: fine
      report.failures.push({ path: file, reason: errorText(err) });
      report.ok = false;
      continue;
    }
    if (!isSameFile(st, entry)) {
      // Replaced by a user (or a symlink): not the file the plotter wrote, so not ours to delete.
      keep(report, file, 'not the file the plotter wrote (it was replaced), so it was left');
      continue;
    }
    try {
      fs.unlinkSync(file);
      report.removed.push(file);
    } catch (err) {
      report.failures.push({ path: file, reason: errorText(err) });
      report.ok = false;
    }
  }
}

/** Removes one of our fixed-name bookkeeping files (never a symlink, never a folder). */
function removeBookkeepingFile(file: string): void {
  try {
    if (fs.lstatSync(file).isFile()) fs.unlinkSync(file);
  } catch {
    /* gone, or not removable: the rmdir below then reports the folder */
  }
}

/** Removes the listed files, then the manifest and the folder if nothing else is in it. */
function removeOwnerDir(dir: string, files: OwnedFile[]): CleanupReport {
  const report = emptyReport();
  for (const entry of files) removeOwnedFile(dir, entry, report);
  if (!report.ok) {
    report.failures.push({ path: dir, reason: 'folder not removed: it still holds the file(s) above' });
    return report;
  }
  for (const name of [MANIFEST_NAME, `${MANIFEST_NAME}.tmp`]) removeBookkeepingFile(path.join(dir, name));
  try {
    fs.rmdirSync(dir);
    report.removed.push(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      // Somebody else put files in our folder; they are theirs, so the folder stays with them.
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        /* listed as unknown below */
      }
      keep(report, dir, `it holds files the plotter did not write (${names.join(', ') || 'unknown'}), so it was left`);
    } else if (code !== 'ENOENT') {
      report.failures.push({ path: dir, reason: errorText(err) });
      report.ok = false;
    }
  }
  return report;
}

/** Removes assets/ when a plotter made it and nothing but the marker is left. */
function tidyAssetsDir(assetsDir: string): void {
  const marker = path.join(assetsDir, ASSETS_MARKER_NAME);
  let entries: string[];
  try {
    if (!fs.lstatSync(marker).isFile()) return;
    entries = fs.readdirSync(assetsDir).filter(e => e !== ASSETS_MARKER_NAME);
  } catch {
    return; // no marker (the user's folder) or no folder: nothing of ours to tidy
  }
  try {
    if (entries.length === 0) {
      fs.unlinkSync(marker);
      try {
        fs.rmdirSync(assetsDir);
      } catch (err) {
        // Another plotter made its folder in between: put the marker back for the last one to use.
        if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY') fs.writeFileSync(marker, '');
      }
    } else if (!entries.some(e => e.startsWith(OWNER_DIR_PREFIX))) {
      // Only the user's own files are left: the folder is theirs now, so only our marker goes.
      fs.unlinkSync(marker);
    }
  } catch {
    /* best effort: a marker left behind is reported by nothing and harms nothing */
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/**
 * One manifest entry, checked field by field. Only a plain name with a complete identity is
 * followed; the reason is reported for anything else.
 */
export function parseOwnedFile(raw: unknown, version: number): OwnedFile | { ignored: string } {
  if (!raw || typeof raw !== 'object') return { ignored: 'not an object' };
  const e = raw as Record<string, unknown>;
  if (!isPlainFileName(e.name)) return { ignored: `name ${JSON.stringify(e.name)} is not a plain file name inside the folder` };
  if (!isCount(e.dev) || !isCount(e.ino)) return { ignored: `"${e.name}" has no recorded device and inode` };
  if (version === 1) {
    // Version 1 recorded the identity of finished files only: device, inode, size, mtime.
    if (!isCount(e.size) || !isTime(e.mtimeMs)) return { ignored: `"${e.name}" has no recorded size and mtime` };
    return { name: e.name, state: 'done', dev: e.dev, ino: e.ino, size: e.size, mtimeMs: e.mtimeMs };
  }
  if (!isTime(e.birthtimeMs)) return { ignored: `"${e.name}" has no recorded birth time` };
  if (e.state === 'writing') return { name: e.name, state: 'writing', dev: e.dev, ino: e.ino, birthtimeMs: e.birthtimeMs };
  if (e.state !== 'done') return { ignored: `"${e.name}" has an unknown state ${JSON.stringify(e.state)}` };
  if (!isCount(e.size) || !isTime(e.mtimeMs)) return { ignored: `"${e.name}" has no recorded size and mtime` };
  return { name: e.name, state: 'done', dev: e.dev, ino: e.ino, birthtimeMs: e.birthtimeMs, size: e.size, mtimeMs: e.mtimeMs };
}

interface ReadManifest {
  pid: number;
  processStart: string | null;
  hostname: string;
  closed: boolean;
  files: OwnedFile[];
  ignored: string[];
}

/** Reads and checks a manifest; null when it is missing or not one of ours. */
export function readManifest(dir: string): ReadManifest | null {
  let m: Record<string, unknown>;
  try {
    const file = path.join(dir, MANIFEST_NAME);
    if (!fs.lstatSync(file).isFile()) return null;
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || m.tool !== 'metrics-plotter' || (m.version !== 1 && m.version !== 2)) return null;
  if (!isCount(m.pid) || typeof m.hostname !== 'string' || !Array.isArray(m.files)) return null;
  const files: OwnedFile[] = [];
  const ignored: string[] = [];
  for (const raw of m.files) {
    const parsed = parseOwnedFile(raw, m.version);
    if ('ignored' in parsed) ignored.push(parsed.ignored);
    else files.push(parsed);
  }
  return {
    pid: m.pid,
    processStart: typeof m.processStart === 'string' ? m.processStart : null,
    hostname: m.hostname,
    closed: m.closed === true,
    files,
    ignored
  };
}

/** Whether the process that owns a manifest on this host may still be running (when unsure: yes). */
function ownerMayBeAlive(pid: number, processStart: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (processStart !== null) {
    const now = processStartTime(pid);
    if (now !== null && now !== processStart) return false; // the pid was reused by another process
  }
  return true;
}

/**
 * Removes the assets of plotters whose process is gone (SIGKILL, crash, power loss), and retries
 * closed ones whose cleanup failed. Folders of live processes are never touched; folders written on
 * another host are left and reported (`kept`), as are manifest entries that are not followed.
 */
export function sweepOrphans(root: string): CleanupReport {
  const assetsDir = path.join(path.resolve(root), ASSETS_DIR_NAME);
  const report = emptyReport();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(assetsDir, { withFileTypes: true });
  } catch {
    return report; // no assets/ folder: nothing to sweep
  }
  for (const entry of entries) {
    const match = OWNER_DIR_PATTERN.exec(entry.name);
    if (!match || !entry.isDirectory()) continue; // a symlink is not a folder of ours
    const dir = path.join(assetsDir, entry.name);
    const manifest = readManifest(dir);
    if (manifest) {
      if (manifest.hostname !== os.hostname()) {
        keep(
          report,
          dir,
          `written by a kernel on host "${manifest.hostname}", whose process cannot be checked from here; ` +
            `run \`npx metrics-plotter clean\` on that host, or delete the folder by hand once that kernel has ended`
        );
        continue;
      }
      if (!manifest.closed && ownerMayBeAlive(manifest.pid, manifest.processStart)) continue;
      for (const reason of manifest.ignored) keep(report, path.join(dir, MANIFEST_NAME), `entry ignored: ${reason}`);
      mergeInto(report, removeOwnerDir(dir, manifest.files));
    } else if (!ownerMayBeAlive(Number(match[1]), null)) {
      // Killed between mkdir and the first manifest write: only an empty folder can be ours.
      try {
        fs.rmdirSync(dir);
        report.removed.push(dir);
      } catch {
        keep(report, dir, "it has no readable ownership manifest, so nothing in it is provably the plotter's");
      }
    }
  }
  tidyAssetsDir(assetsDir);
  return report;
}

export type { CleanupFailure };
