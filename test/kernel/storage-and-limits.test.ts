/**
 * What the file system and ffmpeg can do to a session, on a real tslab kernel: a disk that is full,
 * a folder that is read-only, an ffmpeg killed mid-encode, a tampered manifest, and outputs that
 * must stay small however many metrics a run records. Each ends in a clear message and nothing left.
 * The disk-full and read-only cases mount a small tmpfs, so they run as root (as CI does).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FRAMES_PRELUDE, plotterDisplays } from '../support/kernel-sessions';
import { KernelProcess, listTree, makeNotebookDir, removeNotebookDir, REPO } from '../support/kernel-process';
import { PLOTTER_MIME_TYPE } from '../../src/protocol';

jest.setTimeout(180_000);

const PRELUDE = FRAMES_PRELUDE;

let dir: string;
let kernel: KernelProcess;
const mounts: string[] = [];

beforeAll(async () => {
  dir = makeNotebookDir('storage');
  kernel = await KernelProcess.start(dir);
  await kernel.run(PRELUDE);
});

afterAll(async () => {
  await kernel.shutdownLikeJupyter(false);
  removeNotebookDir(dir);
  for (const m of mounts) {
    spawnSync('umount', [m]);
    fs.rmSync(m, { recursive: true, force: true });
  }
});

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (these tests mount a tmpfs, so they run as root): ${r.stderr}`);
}

/** A small tmpfs of its own, so that a full disk or a read-only folder is real and harms nothing else. */
function tmpfs(sizeKb: number): string {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-tmpfs-'));
  sh('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mount]);
  mounts.push(mount);
  return mount;
}

test('a disk already full at the first video: a clear error, nothing left, and close() reports the folder as it was', async () => {
  const full = tmpfs(64);
  try {
    fs.writeFileSync(path.join(full, 'filler.bin'), Buffer.alloc(1 << 20));
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  const before = listTree(full);
  await kernel.run(`
const onFull = new MetricsPlotter({ root: ${JSON.stringify(full)} });`);
  const r = await kernel.execute(`
await onFull.addVideoFromFrames("rollout", [solid(16, 16, 9)], { fps: 10 });`);
  expect(r.status).toBe('error');
  expect(r.stderr).toMatch(
    /StorageError: metrics-plotter: cannot store videos: the disk that holds .*\/assets is full \(ENOSPC\)\. Free some space there, then try again\. Nothing was left behind\./
  );
  expect(listTree(full)).toEqual(before);
  const closed = await kernel.run('console.log(JSON.stringify(onFull.close()))');
  expect(JSON.parse(closed.stdout)).toMatchObject({ ok: true, failures: [] });
  expect(listTree(full)).toEqual(before);
});

test('a read-only notebook folder: the error says so and what to do; nothing is written', async () => {
  const ro = tmpfs(1024);
  fs.writeFileSync(path.join(ro, 'train.ipynb'), '{}');
  sh('mount', ['-o', 'remount,ro', ro]);
  const r = await kernel.execute(
    `await new MetricsPlotter({ root: ${JSON.stringify(ro)} }).addVideoFromFrames("rollout", [solid(16, 16, 9)], { fps: 10 });`
  );
  expect(r.status).toBe('error');
  expect(r.stderr).toMatch(
    /cannot store videos: .*\/assets is on a read-only file system \(EROFS\), and videos are written next to the notebook\. Copy the notebook to a writable folder and run it from there\./
  );
  expect(listTree(ro)).toEqual(['train.ipynb']);
});

/** Children of a process, from /proc. */
function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      /* the process ended while we looked */
    }
  }
  return out;
}

test('an ffmpeg killed mid-encode is reported as killed, with its signal, and its partial file goes (small frames: writes that never wait still hear of it)', async () => {
  const before = listTree(dir);
  await kernel.run(`
const victim = new MetricsPlotter({ title: "killed" });
const vw = victim.createVideoWriter("doomed", { fps: 10, width: 8, height: 8 });
await vw.write(solid(8, 8, 1));`);
  const ffmpeg = childrenOf(kernel.process.pid!).filter(c => c.comm === 'ffmpeg');
  expect(ffmpeg).toHaveLength(1);
  process.kill(ffmpeg[0].pid, 'SIGKILL');
  const r = await kernel.execute('for (let i = 0; i < 10000; i++) await vw.write(solid(8, 8, i & 255));');
  expect(r.status).toBe('error');
  expect(r.stderr).toMatch(
    /ffmpeg was killed \(SIGKILL\) while encoding .*doomed\.mp4\. Its partial file was removed\. If the system ran out of memory/
  );
  expect(r.stderr).not.toMatch(/EPIPE/);
  await kernel.run('victim.close()');
  expect(listTree(dir)).toEqual(before);
});

describe('encodes take turns', () => {
  test('at most maxEncodes ffmpeg processes run at once, whatever a loop logs without awaiting; all finish', async () => {
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, childrenOf(kernel.process.pid!).filter(c => c.comm === 'ffmpeg').length);
    }, 10);
    try {
      const r = await kernel.run(`
const two = new MetricsPlotter({ title: "two at once", maxEncodes: 2 });
const logged = Array.from({ length: 6 }, (_, i) =>
  two.addVideoFromFrames("rollout", Array.from({ length: 150 }, (_, t) => solid(96, 96, (t * 3 + i) & 255)), { fps: 30, step: i }));
console.log(JSON.stringify((await Promise.all(logged)).map(e => e.step)));`);
      expect(JSON.parse(r.stdout.trim())).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThan(0);
    await kernel.run('two.close()');
  });

  test('in the order they were logged; a long queue is told; close() drops the waiting ones, files and all', async () => {
    const before = listTree(dir);
    const r = await kernel.execute(`
const one = new MetricsPlotter({ title: "one at a time", maxEncodes: 1 });
const done: number[] = [];
const queued = Array.from({ length: 6 }, (_, i) =>
  one.addVideoFromFrames("rollout", Array.from({ length: 20 }, () => solid(16, 16, i * 40)), { fps: 30, step: i }).then(() => done.push(i)));
await Promise.all(queued);
console.log(JSON.stringify(done));`);
    expect(r.status).toBe('ok');
    expect(JSON.parse(r.stdout.trim())).toEqual([0, 1, 2, 3, 4, 5]);
    // Four waiting (one running) is four turns' worth at one encode at a time: the cell is told.
    expect(r.stderr).toMatch(/4 videos are waiting to be encoded \(1 at a time: the plotter's maxEncodes\)/);

    // A streaming writer holds the one turn; two more wait behind it when the plotter is closed.
    const closed = await kernel.run(`
const held = one.createVideoWriter("held", { fps: 30, width: 16, height: 16, step: 10 });
await held.write(solid(16, 16, 1));
const behind = [11, 12].map(step =>
  one.addVideoFromFrames("behind", Array.from({ length: 20 }, () => solid(16, 16, 9)), { fps: 30, step }).then(() => "finished", (e: Error) => e.message));
await new Promise(resolve => setTimeout(resolve, 100));
one.close();
console.log(JSON.stringify(await Promise.all(behind)));`);
    for (const message of JSON.parse(closed.stdout.trim().split('\n').pop()!)) {
      expect(message).toMatch(
        /behind(-2)?\.mp4 was stopped \(the plotter was closed\) before its turn came; nothing was written/
      );
    }
    expect(listTree(dir)).toEqual(before);
  });

  test('maxEncodes that is not a whole number of at least 1 is an InputError that says what to give', async () => {
    const r = await kernel.execute('new MetricsPlotter({ maxEncodes: 0 })');
    expect(r.status).toBe('error');
    expect(r.stderr).toMatch(/maxEncodes is 0; it must be a whole number of at least 1 \(e\.g\. \{ maxEncodes: 2 \}\)/);
  });
});

test('a tampered manifest that names files outside its folder: neither a new plotter nor `clean` deletes them', async () => {
  const nb = makeNotebookDir('tampered');
  try {
    fs.writeFileSync(path.join(nb, 'notes.txt'), 'my notes');
    const owner = path.join(nb, 'assets', 'metrics-plotter-999999-0123abcd');
    fs.mkdirSync(owner, { recursive: true });
    const manifest = {
      tool: 'metrics-plotter',
      version: 1,
      pid: 999999,
      processStart: null,
      hostname: os.hostname(),
      closed: true,
      files: [{ name: '../../notes.txt' }]
    };
    fs.writeFileSync(path.join(owner, '.metrics-plotter-owner.json'), JSON.stringify(manifest));
    const r = await kernel.run(`new MetricsPlotter({ root: ${JSON.stringify(nb)} });`);
    expect(r.stderr).toMatch(
      /1 path\(s\) under .*\/assets were left alone because they are not provably a plotter's own files; run `npx metrics-plotter clean`/
    );
    expect(fs.readFileSync(path.join(nb, 'notes.txt'), 'utf8')).toBe('my notes');
    // Nothing was followed; the folder held only its manifest, so the sweep tidied both away.
    expect(fs.existsSync(owner)).toBe(false);
    // The same folder from a shared drive, written on another host: left, and `clean` says why.
    fs.mkdirSync(owner, { recursive: true });
    fs.writeFileSync(
      path.join(owner, '.metrics-plotter-owner.json'),
      JSON.stringify({ ...manifest, hostname: 'another-machine.example' })
    );
    const cli = spawnSync(process.execPath, [path.join(REPO, 'lib/cli/cli.js'), 'clean', nb], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(
      /left {4}.*metrics-plotter-999999-0123abcd: written by a kernel on host "another-machine\.example", whose process cannot be checked from here; run `npx metrics-plotter clean` on that host/
    );
    expect(cli.stdout).not.toMatch(/removed/);
    expect(fs.readFileSync(path.join(nb, 'notes.txt'), 'utf8')).toBe('my notes');
  } finally {
    removeNotebookDir(nb);
  }
});

test('10,000 metrics × 200 points: each output message stays under 2 MB, and a live loop over them runs', async () => {
  const r = await kernel.run(`
const many = new MetricsPlotter({ title: "many" });
for (let m = 0; m < 10000; m++) many.addMetric("layer" + m + "/grad_norm", Array.from({ length: 200 }, (_, i) => Math.random() * 1e-7 + i));
many.show();
for (let step = 200; step < 202; step++) {
  for (let m = 0; m < 10000; m++) many.addScalar("layer" + m + "/grad_norm", Math.random(), step);
  await new Promise(resolve => setTimeout(resolve, 300));
}
many.close();`);
  const messages = plotterDisplays(r.outputs);
  expect(messages.length).toBeGreaterThanOrEqual(2); // the show() and at least one live update
  for (const m of messages) {
    expect(Buffer.byteLength(JSON.stringify(m.content))).toBeLessThanOrEqual(2_000_000);
    const payload = m.content.data[PLOTTER_MIME_TYPE];
    // Every metric shown keeps at least its extremes; the ones left out are counted, not lost silently.
    expect(payload.metrics.length + (payload.omittedMetrics ?? 0)).toBe(10000);
    expect(payload.metrics.every((s: { steps: number[] }) => s.steps.length >= 2)).toBe(true);
  }
});
