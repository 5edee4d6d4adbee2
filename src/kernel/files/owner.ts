/**
 * The files one plotter writes: claimed atomically, recorded in its manifest with their identity,
 * removed at its session's end (the rules are in manifest.ts). Synchronous: it runs in exit handlers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { CleanupReport } from '../../protocol';
import {
  ASSETS_DIR_NAME,
  ASSETS_MARKER_NAME,
  MANIFEST_NAME,
  OWNER_DIR_PREFIX,
  PART_SUFFIX,
  isPlainFileName,
  processStartTime,
  type Manifest,
  type OwnedFile
} from './manifest';
import { removeOwnedFile, removeOwnerDir, tidyAssetsDir } from './removal';
import { emptyReport } from './report';
import { StorageError, storageError } from './storage-error';

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

  /**
   * Hands a finished file over to the user: moves it to `destination`, which is never overwritten
   * (a hard link made exclusively, or a copy made exclusively across file systems, then our name
   * removed), and forgets it, so that no cleanup of this owner touches it again. Throws a
   * StorageError, with nothing moved, when the file is not the one this owner wrote or the move fails;
   * an Error with code EEXIST when `destination` exists.
   */
  release(name: string, destination: string): void {
    const owned = this.files.get(name);
    const source = this.pathOf(name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(source);
    } catch (err) {
      throw storageError(err, `keep ${name}`, this.dir);
    }
    if (!owned || owned.state !== 'done' || st.dev !== owned.dev || st.ino !== owned.ino) {
      throw new StorageError(`cannot keep ${source}: it is not the file this plotter wrote. Nothing was moved.`);
    }
    try {
      fs.linkSync(source, destination);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw err;
      if (code !== 'EXDEV' && code !== 'EPERM')
        throw storageError(err, `keep ${name} as ${destination}`, path.dirname(destination));
      try {
        fs.copyFileSync(source, destination, fs.constants.COPYFILE_EXCL);
      } catch (copyErr) {
        if ((copyErr as NodeJS.ErrnoException).code === 'EEXIST') throw copyErr;
        fs.rmSync(destination, { force: true });
        throw storageError(copyErr, `keep ${name} as ${destination}`, path.dirname(destination));
      }
    }
    // The kept file exists under its new name; from here on the plotter's copy is only a name to drop.
    this.files.delete(name);
    this.writeManifest(false);
    try {
      fs.rmSync(source, { force: true });
    } catch (err) {
      console.error(
        `metrics-plotter: kept ${destination}, but its old name ${source} could not be removed (${String(err)}). ` +
          'Please delete it by hand.'
      );
    }
  }

  /** Whether no file of this owner is on disk (its folder may be). */
  get holdsNoFile(): boolean {
    return this.files.size === 0;
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
