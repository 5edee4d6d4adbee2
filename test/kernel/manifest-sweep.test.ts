/**
 * The sweep treats every ownership manifest on disk as untrusted input (a folder can arrive by a git
 * clone, an archive or a shared drive): whatever it lists, nothing outside a plotter's own folder,
 * and nothing whose identity does not match what the plotter recorded, is ever deleted.
 * Real files, real symlinks and hard links, the real sweep; manifests made up by fast-check.
 */
import { spawnSync } from 'child_process';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MANIFEST_NAME, parseOwnedFile } from '../../src/kernel/files/manifest';
import { sweepOrphans } from '../../src/kernel/files/sweep';

/** A PID that belonged to a process that has exited. */
const DEAD_PID = spawnSync('true').pid!;

interface Tree {
  base: string;
  notebook: string;
  owner: string;
  /** Every regular file before the sweep, with its content and identity. */
  files: Map<string, { content: string; dev: number; ino: number; size: number; mtimeMs: number; birthtimeMs: number }>;
}

const INSIDE = ['own.mp4', 'own2.mp4.part', 'user.txt', 'hard.mp4'];

/** A notebook folder with user files, a plotter folder holding its own files, a user's file, a symlink out and a hard link out. */
function makeTree(ownerPid: number): Tree {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-fuzz-'));
  const notebook = path.join(base, 'notebook');
  const outside = path.join(base, 'outside');
  const owner = path.join(notebook, 'assets', `metrics-plotter-${ownerPid}-0123abcd`);
  fs.mkdirSync(owner, { recursive: true });
  fs.mkdirSync(outside);
  const write = (file: string, content: string): void => fs.writeFileSync(file, content);
  write(path.join(notebook, 'notes.txt'), 'my notes');
  write(path.join(notebook, 'assets', 'user.png'), 'my png');
  write(path.join(outside, 'secret.txt'), 'secret');
  write(path.join(outside, 'kept.mp4'), 'a video I hard-linked out to keep');
  write(path.join(owner, 'own.mp4'), 'video bytes');
  write(path.join(owner, 'own2.mp4.part'), 'partial video bytes');
  write(path.join(owner, 'user.txt'), 'the user put this here');
  fs.linkSync(path.join(outside, 'kept.mp4'), path.join(owner, 'hard.mp4'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(owner, 'link-out'));
  fs.symlinkSync(path.join(notebook, 'notes.txt'), path.join(owner, 'notes-link.mp4'));
  const files: Tree['files'] = new Map();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.lstatSync(p);
        files.set(p, {
          content: fs.readFileSync(p, 'utf8'),
          dev: st.dev,
          ino: st.ino,
          size: st.size,
          mtimeMs: st.mtimeMs,
          birthtimeMs: st.birthtimeMs
        });
      }
    }
  };
  walk(base);
  return { base, notebook, owner, files };
}

type Identity = 'none' | 'own' | 'outside' | 'random' | 'partial';
interface EntrySpec {
  name: string;
  identity: Identity;
  state: unknown;
  randomIno: number;
}

const names = fc.oneof(
  fc.constantFrom(
    ...INSIDE,
    'own2.mp4',
    'link-out',
    'notes-link.mp4',
    '../../notes.txt',
    '../user.png',
    '../../../outside/secret.txt',
    'sub/own.mp4',
    './own.mp4',
    'own.mp4/',
    '..',
    '.',
    '',
    MANIFEST_NAME,
    'own.mp4\0',
    '..\\..\\notes.txt',
    '__ABS_SECRET__',
    '__ABS_NOTES__'
  ),
  fc.string({ maxLength: 12 })
);

const entrySpec: fc.Arbitrary<EntrySpec> = fc.record({
  name: names,
  identity: fc.constantFrom<Identity>('none', 'own', 'outside', 'random', 'partial'),
  state: fc.constantFrom('done', 'writing', undefined, 'bogus'),
  randomIno: fc.nat()
});

function manifestEntry(tree: Tree, spec: EntrySpec): Record<string, unknown> {
  const name =
    spec.name === '__ABS_SECRET__'
      ? path.join(tree.base, 'outside', 'secret.txt')
      : spec.name === '__ABS_NOTES__'
        ? path.join(tree.notebook, 'notes.txt')
        : spec.name;
  const entry: Record<string, unknown> = { name };
  if (spec.state !== undefined) entry.state = spec.state;
  const target =
    spec.identity === 'own'
      ? tree.files.get(path.join(tree.owner, typeof name === 'string' ? name : ''))
      : spec.identity === 'partial'
        ? tree.files.get(path.join(tree.owner, `${name}.part`))
        : spec.identity === 'outside'
          ? tree.files.get(path.join(tree.base, 'outside', 'secret.txt'))
          : undefined;
  if (target)
    Object.assign(entry, {
      dev: target.dev,
      ino: target.ino,
      size: target.size,
      mtimeMs: target.mtimeMs,
      birthtimeMs: target.birthtimeMs
    });
  if (spec.identity === 'random') Object.assign(entry, { dev: 1, ino: spec.randomIno, size: 11, mtimeMs: 1, birthtimeMs: 1 });
  return entry;
}

/** Whether the manifest had an entry that names `file` (directly in the owner folder) with its exact identity. */
function listedWithIdentity(
  tree: Tree,
  manifest: { version: number; files: Array<Record<string, unknown>> },
  file: string
): boolean {
  const before = tree.files.get(file)!;
  return manifest.files.some(raw => {
    const e = parseOwnedFile(raw, manifest.version);
    if ('ignored' in e) return false;
    const onDisk = e.state === 'writing' ? [e.name + '.part', e.name] : [e.name];
    if (!onDisk.map(n => path.join(tree.owner, n)).includes(file)) return false;
    const sameInode =
      e.dev === before.dev && e.ino === before.ino && (e.birthtimeMs === undefined || e.birthtimeMs === before.birthtimeMs);
    return sameInode && (e.state === 'writing' || (e.size === before.size && e.mtimeMs === before.mtimeMs));
  });
}

test('whatever a manifest says, only plain files inside the plotter folder whose identity matches are deleted', () => {
  fc.assert(
    fc.property(
      fc.array(entrySpec, { maxLength: 8 }),
      fc.constantFrom(1, 2),
      fc.boolean(),
      fc.constantFrom('dead', 'alive'),
      fc.constantFrom('here', 'elsewhere'),
      (specs, version, closed, owner, host) => {
        const pid = owner === 'dead' ? DEAD_PID : process.pid;
        const tree = makeTree(pid);
        try {
          const manifest = {
            tool: 'metrics-plotter',
            version,
            pid,
            processStart: null,
            hostname: host === 'here' ? os.hostname() : 'another-machine.example',
            closed,
            files: specs.map(s => manifestEntry(tree, s))
          };
          fs.writeFileSync(path.join(tree.owner, MANIFEST_NAME), JSON.stringify(manifest));
          const report = sweepOrphans(tree.notebook);
          const swept = host === 'here' && (closed || owner === 'dead');
          for (const [file, before] of tree.files) {
            if (!fs.existsSync(file)) {
              // Deleted: it must have been inside the owner folder, swept, and listed with its identity.
              expect({ file, inside: path.dirname(file) === tree.owner }).toEqual({ file, inside: true });
              expect({ file, swept }).toEqual({ file, swept: true });
              expect({ file, listed: listedWithIdentity(tree, manifest, file) }).toEqual({ file, listed: true });
            } else {
              expect(fs.readFileSync(file, 'utf8')).toBe(before.content);
            }
          }
          // Symlinks are never followed, never deleted as files, and their targets stay.
          expect(fs.readFileSync(path.join(tree.base, 'outside', 'secret.txt'), 'utf8')).toBe('secret');
          expect(fs.readFileSync(path.join(tree.notebook, 'notes.txt'), 'utf8')).toBe('my notes');
          expect(fs.readFileSync(path.join(tree.base, 'outside', 'kept.mp4'), 'utf8')).toBe('a video I hard-linked out to keep');
          expect(report.failures).toEqual([]);
          if (host === 'elsewhere') expect(report.kept!.map(k => k.path)).toContain(tree.owner);
        } finally {
          fs.rmSync(tree.base, { recursive: true, force: true });
        }
      }
    ),
    { numRuns: 300 }
  );
});

test('the attack from the report: a name that climbs out, with no identity, closed, another host', () => {
  for (const hostname of [os.hostname(), 'another-machine.example']) {
    const tree = makeTree(process.pid);
    try {
      const manifest = {
        tool: 'metrics-plotter',
        version: 1,
        pid: process.pid,
        processStart: null,
        hostname,
        closed: true,
        files: [{ name: '../../notes.txt' }, { name: path.join(tree.base, 'outside', 'secret.txt') }, { name: 'own.mp4' }]
      };
      fs.writeFileSync(path.join(tree.owner, MANIFEST_NAME), JSON.stringify(manifest));
      const report = sweepOrphans(tree.notebook);
      expect(report.removed).toEqual([]);
      for (const [file, before] of tree.files) expect(fs.readFileSync(file, 'utf8')).toBe(before.content);
      const reasons = report.kept!.map(k => k.reason).join('\n');
      if (hostname === os.hostname()) {
        expect(reasons).toMatch(/entry ignored: name "\.\.\/\.\.\/notes\.txt" is not a plain file name inside the folder/);
        expect(reasons).toMatch(/entry ignored: "own\.mp4" has no recorded device and inode/);
      } else {
        expect(reasons).toMatch(
          /written by a kernel on host "another-machine\.example", whose process cannot be checked from here/
        );
      }
    } finally {
      fs.rmSync(tree.base, { recursive: true, force: true });
    }
  }
});

test("a dead plotter's own files, listed with their identity, are removed with its folder", () => {
  const tree = makeTree(DEAD_PID);
  try {
    const id = (name: string): Record<string, unknown> => {
      const f = tree.files.get(path.join(tree.owner, name))!;
      return { dev: f.dev, ino: f.ino, birthtimeMs: f.birthtimeMs, size: f.size, mtimeMs: f.mtimeMs };
    };
    // Only the plotter's files: the user's file, the links and the hard link are taken out first.
    for (const name of ['user.txt', 'hard.mp4', 'link-out', 'notes-link.mp4']) fs.rmSync(path.join(tree.owner, name));
    const manifest = {
      tool: 'metrics-plotter',
      version: 2,
      pid: DEAD_PID,
      processStart: null,
      hostname: os.hostname(),
      closed: false,
      files: [
        { name: 'own.mp4', state: 'done', ...id('own.mp4') },
        { name: 'own2.mp4', state: 'writing', ...id('own2.mp4.part') }
      ]
    };
    fs.writeFileSync(path.join(tree.owner, MANIFEST_NAME), JSON.stringify(manifest));
    const report = sweepOrphans(tree.notebook);
    expect(report).toMatchObject({ ok: true, failures: [], kept: [] });
    expect(fs.existsSync(tree.owner)).toBe(false);
    expect(fs.readdirSync(path.join(tree.notebook, 'assets'))).toEqual(['user.png']);
  } finally {
    fs.rmSync(tree.base, { recursive: true, force: true });
  }
});
