/**
 * Ownership of the files a plotter writes, and their removal.
 *
 * Layout, in the notebook's folder (the kernel's working folder):
 *
 *   assets/                                   made by us only if it did not exist
 *     .metrics-plotter-made-this-folder       marker: a plotter created assets/, so the last one may remove it
 *     metrics-plotter-<pid>-<hex>/            one folder per plotter, never shared
 *       .metrics-plotter-owner.json           manifest: owner process, and every file it wrote
 *       rollout.mp4
 *
 * The rules that keep user files safe:
 *  - a plotter only ever deletes paths listed in its own manifest, and only while they are still the
 *    regular file it wrote (same device and inode); symlinks are never followed, folders are only rmdir'ed;
 *  - the manifest is written before a file is created, so a process killed mid-write can be swept later;
 *  - assets/ is removed only when it carries our marker and holds nothing else.
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

interface OwnedFile {
  /** File name inside the owner folder (never a path). */
  name: string;
  /** Identity of the finished file. Inode alone is not enough: ext4 hands a freed inode to the next file. */
  dev?: number;
  ino?: number;
  size?: number;
  mtimeMs?: number;
}

interface Manifest {
  tool: 'metrics-plotter';
  version: 1;
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
  return { ok: true, removed: [], failures: [] };
}

function mergeInto(target: CleanupReport, other: CleanupReport): CleanupReport {
  target.removed.push(...other.removed);
  target.failures.push(...other.failures);
  target.ok = target.failures.length === 0;
  return target;
}

export class AssetsOwner {
  readonly id: string;
  readonly root: string;
  readonly assetsDir: string;
  readonly dir: string;
  private readonly manifestPath: string;
  private readonly files = new Map<string, OwnedFile>();
  private dirReady = false;

  /** @param root the notebook's folder; nothing is written until the first file is claimed. */
  constructor(root: string) {
    this.root = path.resolve(root);
    this.id = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.assetsDir = path.join(this.root, ASSETS_DIR_NAME);
    this.dir = path.join(this.assetsDir, OWNER_DIR_PREFIX + this.id);
    this.manifestPath = path.join(this.dir, MANIFEST_NAME);
  }

  /** Creates assets/ (with our marker) and this owner's folder, on first use. */
  private ensureDir(): void {
    if (this.dirReady) return;
    try {
      fs.mkdirSync(this.assetsDir);
      fs.writeFileSync(path.join(this.assetsDir, ASSETS_MARKER_NAME), 'Made by metrics-plotter; it removes this folder when it is empty.\n');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!fs.statSync(this.assetsDir).isDirectory()) {
        throw new Error(
          `metrics-plotter: cannot store videos because ${this.assetsDir} exists and is not a folder. ` +
            'Rename or move that file, then try again.'
        );
      }
    }
    fs.mkdirSync(this.dir); // throws EEXIST rather than share a folder: the id is random per plotter
    this.dirReady = true;
    this.writeManifest(false);
  }

  private writeManifest(closed: boolean): void {
    const manifest: Manifest = {
      tool: 'metrics-plotter',
      version: 1,
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

  /** Records a file before it is created, so that even a killed process leaves it findable. */
  claim(name: string): string {
    if (name !== path.basename(name) || name.startsWith('.')) throw new Error(`metrics-plotter: bad asset file name ${JSON.stringify(name)}`);
    this.ensureDir();
    this.files.set(name, { name });
    this.writeManifest(false);
    return this.pathOf(name);
  }

  /** Records the identity of a finished file: only that exact file is ever deleted. */
  confirm(name: string): void {
    const st = fs.lstatSync(this.pathOf(name));
    this.files.set(name, { name, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    this.writeManifest(false);
  }

  /** Deletes one owned file now (an aborted encode). */
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
      this.dirReady = false;
    }
    tidyAssetsDir(this.assetsDir);
    return report;
  }
}

function removeOwnedFile(dir: string, entry: OwnedFile, report: CleanupReport): void {
  const file = path.join(dir, entry.name);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // already gone: fine
    report.failures.push({ path: file, reason: errorText(err) });
    report.ok = false;
    return;
  }
  // Not the file we wrote any more (replaced by a user, or a symlink): not ours to delete.
  const replaced =
    entry.ino !== undefined &&
    (st.ino !== entry.ino || st.dev !== entry.dev || st.size !== entry.size || st.mtimeMs !== entry.mtimeMs);
  if (!st.isFile() || replaced) return;
  try {
    fs.unlinkSync(file);
    report.removed.push(file);
  } catch (err) {
    report.failures.push({ path: file, reason: errorText(err) });
    report.ok = false;
  }
}

/** Removes the listed files, then the manifest and the folder if nothing else is in it. */
function removeOwnerDir(dir: string, files: OwnedFile[]): CleanupReport {
  const report = emptyReport();
  for (const entry of files) {
    removeOwnedFile(dir, entry, report);
    removeOwnedFile(dir, { name: `${entry.name}.part` }, report);
  }
  if (!report.ok) {
    report.failures.push({ path: dir, reason: 'folder not removed: it still holds the file(s) above' });
    return report;
  }
  for (const leftover of [MANIFEST_NAME, `${MANIFEST_NAME}.tmp`]) removeOwnedFile(dir, { name: leftover }, report);
  try {
    fs.rmdirSync(dir);
    report.removed.push(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTEMPTY: somebody else put files in our folder; they are theirs, so the folder stays.
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') {
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

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_NAME), 'utf8')) as Manifest;
    return m && m.tool === 'metrics-plotter' && Array.isArray(m.files) && typeof m.pid === 'number' ? m : null;
  } catch {
    return null;
  }
}

/** Whether the process that owns a manifest may still be running (when unsure: yes). */
function ownerMayBeAlive(pid: number, processStart: string | null, hostname: string): boolean {
  if (hostname !== os.hostname()) return true; // another machine on a shared folder: cannot tell
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
 * closed ones whose cleanup failed. Folders of live processes are never touched.
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
    if (!match || !entry.isDirectory()) continue;
    const dir = path.join(assetsDir, entry.name);
    const manifest = readManifest(dir);
    if (manifest) {
      if (!manifest.closed && ownerMayBeAlive(manifest.pid, manifest.processStart, manifest.hostname)) continue;
      mergeInto(report, removeOwnerDir(dir, manifest.files));
    } else if (!ownerMayBeAlive(Number(match[1]), null, os.hostname())) {
      // Killed between mkdir and the first manifest write: only an empty folder can be ours.
      try {
        fs.rmdirSync(dir);
        report.removed.push(dir);
      } catch {
        /* not empty: not provably ours, leave it */
      }
    }
  }
  tidyAssetsDir(assetsDir);
  return report;
}
