/**
 * Ownership of the files a plotter writes: their layout, and the manifest that records them (read
 * back here as untrusted input, field by field). owner.ts writes them, removal.ts and sweep.ts remove them.
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
 * A manifest on disk is untrusted input (a folder can arrive by a git clone, an unzipped archive or
 * a shared drive): only a plain name with a complete identity is ever followed. The rules that keep
 * user files safe, and the table of session ends, are in docs/cleanup.md.
 *
 * Everything here is synchronous on purpose: it must also run inside a process 'exit' handler.
 */
import * as fs from 'fs';
import * as path from 'path';

export const ASSETS_DIR_NAME = 'assets';
export const ASSETS_MARKER_NAME = '.metrics-plotter-made-this-folder';
export const OWNER_DIR_PREFIX = 'metrics-plotter-';
export const MANIFEST_NAME = '.metrics-plotter-owner.json';
export const OWNER_DIR_PATTERN = /^metrics-plotter-(\d+)-[0-9a-f]{8}$/;
export const PART_SUFFIX = '.part';

/** One file a plotter wrote, as its manifest records it. */
export interface OwnedFile {
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

export interface Manifest {
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

export interface ReadManifest {
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
