/**
 * The sweep: what plotters of ended processes left (SIGKILL, a crash, a failed cleanup) is removed
 * by the next plotter in the folder and by `npx metrics-plotter clean`, by the manifest's rules.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CleanupReport } from '../../protocol';
import { ASSETS_DIR_NAME, MANIFEST_NAME, OWNER_DIR_PATTERN, processStartTime, readManifest } from './manifest';
import { removeOwnerDir, tidyAssetsDir } from './removal';
import { emptyReport, keep, mergeInto } from './report';

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

/** A kernel process known to have ended: its pid, and when it started (null: not known). */
export interface EndedKernel {
  pid: number;
  processStart: string | null;
}

/**
 * Removes the assets of plotters whose process is gone (SIGKILL, crash, power loss), and retries
 * closed ones whose cleanup failed. Folders of live processes are never touched; folders written on
 * another host are left and reported (`kept`), as are manifest entries that are not followed.
 *
 * With `endedKernel` (the kernel's watchdog, src/kernel/host/watchdog.ts), only that kernel's
 * plotters are swept, and its process counts as ended although it may not be reaped yet (a zombie
 * still answers `kill(pid, 0)`): the watchdog knows, since the kernel's end of its pipe closed.
 */
export function sweepOrphans(root: string, { endedKernel }: { endedKernel?: EndedKernel } = {}): CleanupReport {
  const assetsDir = path.join(path.resolve(root), ASSETS_DIR_NAME);
  const report = emptyReport();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(assetsDir, { withFileTypes: true });
  } catch {
    return report; // no assets/ folder: nothing to sweep
  }
  /** Whether the process that wrote a folder has ended (with `endedKernel`: is that kernel). */
  const ended = (pid: number, processStart: string | null): boolean =>
    endedKernel
      ? pid === endedKernel.pid &&
        (processStart === null || endedKernel.processStart === null || processStart === endedKernel.processStart)
      : !ownerMayBeAlive(pid, processStart);
  for (const entry of entries) {
    const match = OWNER_DIR_PATTERN.exec(entry.name);
    if (!match || !entry.isDirectory()) continue; // a symlink is not a folder of ours
    const dir = path.join(assetsDir, entry.name);
    if (endedKernel && Number(match[1]) !== endedKernel.pid) continue;
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
      if (!manifest.closed && !ended(manifest.pid, manifest.processStart)) continue;
      for (const reason of manifest.ignored) keep(report, path.join(dir, MANIFEST_NAME), `entry ignored: ${reason}`);
      mergeInto(report, removeOwnerDir(dir, manifest.files));
    } else if (ended(Number(match[1]), null)) {
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
