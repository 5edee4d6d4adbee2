/**
 * Removal of owned files, checked against their recorded identity, for the owner at its session's
 * end and for the sweep alike (see manifest.ts for the rules). Synchronous: it runs in exit handlers.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CleanupReport } from '../../protocol';
import { ASSETS_MARKER_NAME, MANIFEST_NAME, OWNER_DIR_PREFIX, PART_SUFFIX, type OwnedFile } from './manifest';
import { emptyReport, errorText, keep } from './report';

/** Whether `st` is still the very file the entry records. */
function isSameFile(st: fs.Stats, entry: OwnedFile): boolean {
  if (!st.isFile() || st.dev !== entry.dev || st.ino !== entry.ino) return false;
  if (entry.birthtimeMs !== undefined && st.birthtimeMs !== entry.birthtimeMs) return false;
  return entry.state === 'writing' || (st.size === entry.size && st.mtimeMs === entry.mtimeMs);
}

/** Deletes the entry's file if it is still the one the plotter made; a file of another identity is kept. */
export function removeOwnedFile(dir: string, entry: OwnedFile, report: CleanupReport): void {
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
export function removeOwnerDir(dir: string, files: OwnedFile[]): CleanupReport {
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
export function tidyAssetsDir(assetsDir: string): void {
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
