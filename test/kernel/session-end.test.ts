/**
 * Every way a notebook session ends, on a real tslab kernel — and those Deno's kernel can have, on
 * it too: the folder must be left as it was, files the plotter did not write are never touched, and
 * failures are told with the exact path.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FRAMES_PRELUDE, kernelSessions, plotterDisplays, until } from '../support/kernel-sessions';
import { listTree, REPO, type KernelProcess, type Runtime } from '../support/kernel-process';
import { PLOTTER_MIME_TYPE } from '../../src/protocol';

jest.setTimeout(180_000);

const SETUP = `${FRAMES_PRELUDE}const plotter = new MetricsPlotter({ title: "session" });
for (let i = 0; i < 50; i++) plotter.addScalar("loss", 1 / (i + 1), i);
await plotter.addVideoFromFrames("a", Array.from({ length: 10 }, (_, t) => solid(16, 16, t * 20)), { fps: 10 });
await plotter.addVideoFromFrames("b", Array.from({ length: 10 }, (_, t) => solid(16, 16, t * 20)), { fps: 10 });
plotter.show();
`;

const { notebookDir, startKernel } = kernelSessions();
async function videosOf(k: KernelProcess): Promise<string[]> {
  return JSON.parse((await k.run('console.log(JSON.stringify(plotter.videos.map(v => v.absolutePath)))')).stdout);
}
function chattr(flag: '+i' | '-i', file: string): void {
  const r = spawnSync('chattr', [flag, file], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`chattr ${flag} ${file} failed (tests that need an undeletable file run as root on ext4): ${r.stderr}`);
}

/** Both kernels the plotter runs in; Deno's has no hook at a shutdown request: its watchdog cleans after the exit. */
const KERNELS: Runtime[] = ['tslab', 'deno'];

/** The folder once the kernel has exited: tslab's hook has cleaned by then; Deno's watchdog does just after. */
async function expectTreeAfterExit(runtime: Runtime, dir: string, expected: string[]): Promise<void> {
  if (runtime === 'tslab') expect(listTree(dir)).toEqual(expected);
  else await until(() => listTree(dir).join() === expected.join(), `the folder should be [${expected.join(', ')}]`);
}

describe.each(KERNELS.flatMap(runtime => [[runtime, 'shutdown', false] as const, [runtime, 'restart', true] as const]))(
  '%s: a %s request',
  (runtime, what, restart) => {
    test('removes the assets when the kernel exits; the folder is as it was', async () => {
      const dir = notebookDir(`end-${what}`, runtime);
      fs.writeFileSync(path.join(dir, 'train.ipynb'), '{}');
      const before = listTree(dir);
      const k = await startKernel(dir, {}, runtime);
      await k.run(SETUP);
      const videos = await videosOf(k);
      expect(videos.every(v => fs.existsSync(v))).toBe(true);
      expect(await k.shutdownLikeJupyter(restart)).toBe('exited');
      await expectTreeAfterExit(runtime, dir, before);
    });
  }
);

test('SIGTERM after a shutdown request the kernel could not finish (a timer left running) cleans and kills', async () => {
  const dir = notebookDir('sigterm');
  const k = await startKernel(dir);
  await k.run(SETUP + 'setInterval(() => {}, 1000);');
  expect(await k.shutdownLikeJupyter(false, 1500)).toBe('SIGTERM');
  expect((await k.exited).signal).toBe('SIGTERM');
  expect(listTree(dir)).toEqual([]);
});

test.each(KERNELS)('%s: SIGHUP cleans, and the process still dies of SIGHUP', async runtime => {
  const dir = notebookDir('sighup', runtime);
  const k = await startKernel(dir, {}, runtime);
  await k.run(SETUP);
  expect(await k.kill('SIGHUP')).toEqual({ code: null, signal: 'SIGHUP' });
  expect(listTree(dir)).toEqual([]);
});

test('SIGINT is tslab interrupt: the kernel and the plotter survive it; an encode in progress stops and its partial file goes', async () => {
  const dir = notebookDir('sigint');
  const k = await startKernel(dir);
  await k.run(SETUP);
  const kept = listTree(dir);
  const running = k.execute(`
const w = plotter.createVideoWriter("endless", { fps: 30, width: 64, height: 64 });
for (let t = 0; ; t++) { await w.write(solid(64, 64, t % 255)); if (t === 5) console.log("writing"); }`);
  // Wait until ffmpeg is writing into the .part file (the plotter creates it empty when it claims
  // the name, still in the cell's synchronous part, where an interrupt is Node's breakOnSigint's,
  // not tslab's: see docs/cleanup.md, limits), then interrupt as JupyterLab does.
  const writing = () =>
    listTree(dir).some(f => f.endsWith('endless.mp4.part') && fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size);
  while (!writing()) await new Promise(r => setTimeout(r, 20));
  k.process.kill('SIGINT');
  const r = await running;
  expect(r.status).toBe('error');
  expect(r.stderr).toMatch(/Interrupted/); // tslab's own words for an interrupted cell
  expect(listTree(dir)).toEqual(kept);
  k.process.kill('SIGINT'); // while idle, too
  const after = await k.run('console.log(plotter.videos.length, plotter.closed)');
  expect(after.stdout.trim()).toBe('2 false');
  expect(await k.shutdownLikeJupyter(false)).toBe('exited');
  expect(listTree(dir)).toEqual([]);
});

test('an interrupt after a cell that created a plotter synchronously still only interrupts (tslab runs cells with breakOnSigint)', async () => {
  const dir = notebookDir('sigint-sync');
  const k = await startKernel(dir);
  // No await in this cell: the plotter (and its exit hooks) are set up inside vm's SIGINT watchdog.
  await k.run('import { MetricsPlotter } from "metrics-plotter"; const p = new MetricsPlotter(); p.addScalar("x", 1);');
  await new Promise(r => setTimeout(r, 100));
  k.process.kill('SIGINT');
  const after = await k.run('console.log("alive", p.closed)');
  expect(after.stdout.trim()).toBe('alive false');
  expect(await k.shutdownLikeJupyter(true)).toBe('exited');
  expect(listTree(dir)).toEqual([]);
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const KILLS = [
  ['the process', (k: KernelProcess) => k.kill('SIGKILL')],
  ["the kernel's process group (a restart of a kernel that does not answer)", (k: KernelProcess) => k.killGroup('SIGKILL')]
] as const;

describe.each(KERNELS.flatMap(runtime => KILLS.map(([what, kill]) => [runtime, what, kill] as const)))(
  '%s: SIGKILL of %s',
  (runtime, what, kill) => {
    test("runs no hook: the kernel's watchdog removes its files, never a live kernel's, and exits", async () => {
      const dir = notebookDir(what.includes('group') ? 'sigkill-group' : 'sigkill-process', runtime);
      fs.writeFileSync(path.join(dir, 'notes.md'), 'mine');
      const dead = await startKernel(dir, {}, runtime);
      await dead.run(SETUP);
      const live = await startKernel(dir, {}, runtime);
      await live.run(SETUP);
      const liveVideos = await videosOf(live);
      const deadVideos = await videosOf(dead);
      const watchdog = await dead.watchdogPid();
      expect(alive(watchdog)).toBe(true);
      await kill(dead);
      await until(() => !deadVideos.some(v => fs.existsSync(v)), "the dead kernel's videos should be removed by its watchdog");
      await until(() => !alive(watchdog), 'the watchdog should exit once it has cleaned up');
      expect(liveVideos.every(v => fs.existsSync(v))).toBe(true);
      expect(await live.shutdownLikeJupyter(false)).toBe('exited');
      await expectTreeAfterExit(runtime, dir, ['notes.md']);
    });
  }
);

test("SIGKILL of the kernel and its watchdog: the next plotter in that folder sweeps the dead kernel's files", async () => {
  const dir = notebookDir('sigkill-watchdog');
  const dead = await startKernel(dir);
  await dead.run(SETUP);
  const deadVideos = await videosOf(dead);
  process.kill(await dead.watchdogPid(), 'SIGKILL');
  await dead.kill('SIGKILL');
  await new Promise(resolve => setTimeout(resolve, 500));
  expect(deadVideos.every(v => fs.existsSync(v))).toBe(true); // nothing was left to remove them
  const next = await startKernel(dir);
  await next.run('import { MetricsPlotter } from "metrics-plotter"; const p = new MetricsPlotter();');
  expect(deadVideos.some(v => fs.existsSync(v))).toBe(false);
  await next.shutdownLikeJupyter(false);
  expect(listTree(dir)).toEqual([]);
});

test("`metrics-plotter clean [dir]` sweeps a killed kernel's files by hand", async () => {
  const dir = notebookDir('cli');
  const k = await startKernel(dir);
  await k.run(SETUP);
  process.kill(await k.watchdogPid(), 'SIGKILL'); // no watchdog either: only the sweep is left
  await k.kill('SIGKILL');
  expect(listTree(dir).some(f => f.endsWith('.mp4'))).toBe(true);
  const cli = spawnSync(process.execPath, [path.join(REPO, 'lib/cli/cli.js'), 'clean', dir], { encoding: 'utf8' });
  expect(cli.status).toBe(0);
  expect(cli.stdout).toMatch(/removed .*a\.mp4/);
  expect(listTree(dir)).toEqual([]);
  const bad = spawnSync(process.execPath, [path.join(REPO, 'lib/cli/cli.js'), 'wipe'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/unknown command: wipe\nusage:[\s\S]*metrics-plotter clean \[dir\]/);
});

test.each(KERNELS)('%s: close() ends the session now; the kernel stays usable; other plotters keep theirs', async runtime => {
  const dir = notebookDir('close', runtime);
  const k = await startKernel(dir, {}, runtime);
  await k.run(SETUP + 'const other = new MetricsPlotter(); await other.addVideoFromFrames("o", [solid(8, 8, 1)], { fps: 1 });');
  const mine = await videosOf(k);
  const r = await k.run('const report = plotter.close(); console.log(report.ok, plotter.closed)');
  expect(r.stdout.trim()).toBe('true true');
  expect(mine.some(v => fs.existsSync(v))).toBe(false);
  // The shown output switches to its ended state, in place.
  const update = r.outputs.find(o => o.msg_type === 'update_display_data');
  expect(update?.content.data[PLOTTER_MIME_TYPE]).toMatchObject({ state: 'closed', cleanup: { ok: true } });
  expect(listTree(dir).filter(f => f.endsWith('.mp4'))).toHaveLength(1);
  const again = await k.execute('plotter.addScalar("loss", 1)');
  expect(again.stderr).toMatch(/cannot add a metric: the plotter "session" was closed/);
  await k.run('other.close()');
  expect(listTree(dir)).toEqual([]);
  await k.shutdownLikeJupyter(false);
});

test('two kernels in one folder end independently', async () => {
  const dir = notebookDir('two');
  const a = await startKernel(dir);
  const b = await startKernel(dir);
  await a.run(SETUP);
  await b.run(SETUP);
  const bVideos = await videosOf(b);
  expect(await a.shutdownLikeJupyter(true)).toBe('exited');
  expect(bVideos.every(v => fs.existsSync(v))).toBe(true);
  expect(await b.shutdownLikeJupyter(false)).toBe('exited');
  expect(listTree(dir)).toEqual([]);
});

test("a user's own assets/ folder, files and a symlink out are never touched", async () => {
  const dir = notebookDir('user-files');
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-outside-'));
  fs.writeFileSync(path.join(outside, 'precious.txt'), 'keep me');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'logo.png'), 'png');
  fs.symlinkSync(outside, path.join(dir, 'assets', 'data-link'));
  const before = listTree(dir);
  const k = await startKernel(dir);
  await k.run(SETUP);
  expect(await k.shutdownLikeJupyter(false)).toBe('exited');
  expect(listTree(dir)).toEqual(before);
  expect(fs.readFileSync(path.join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
  fs.rmSync(outside, { recursive: true });
});

test("files a user put inside the plotter's folder, or in place of its video, stay", async () => {
  const dir = notebookDir('foreign');
  const k = await startKernel(dir);
  await k.run(SETUP);
  const [a, b] = await videosOf(k);
  fs.writeFileSync(path.join(path.dirname(a), 'notes.txt'), 'mine');
  fs.rmSync(b);
  fs.writeFileSync(b, 'a different file with the same name');
  await k.run('plotter.close()');
  expect(fs.existsSync(a)).toBe(false);
  expect(fs.readFileSync(path.join(path.dirname(a), 'notes.txt'), 'utf8')).toBe('mine');
  expect(fs.readFileSync(b, 'utf8')).toBe('a different file with the same name');
  await k.shutdownLikeJupyter(false);
});

test('an undeletable file: close() says so in the cell with the exact path; the kernel stays usable; a later clean finishes', async () => {
  const dir = notebookDir('immutable');
  const k = await startKernel(dir);
  await k.run(SETUP);
  const [locked] = await videosOf(k);
  chattr('+i', locked);
  try {
    const r = await k.run('plotter.close(); console.log("still alive")');
    expect(r.stdout).toMatch(/still alive/);
    expect(r.stderr).toContain('metrics-plotter: cleanup failed.');
    expect(r.stderr).toContain(`${locked}  (EPERM: operation not permitted)`);
    expect(r.stderr).toContain(`${path.dirname(locked)}  (folder not removed`);
    expect(r.stderr).toMatch(/Please delete them by hand/);
  } finally {
    chattr('-i', locked);
  }
  // The manifest was kept, marked closed: the next plotter (even in a live kernel) finishes the job.
  await k.run('const next = new MetricsPlotter();');
  expect(listTree(dir)).toEqual([]);
  await k.shutdownLikeJupyter(false);
});

test("an undeletable file at kernel exit: the message goes to the kernel's stderr (the server log)", async () => {
  const dir = notebookDir('immutable-exit');
  const k = await startKernel(dir);
  await k.run(SETUP);
  const [locked] = await videosOf(k);
  chattr('+i', locked);
  try {
    expect(await k.shutdownLikeJupyter(false)).toBe('exited');
    expect(k.stderrLog).toContain(`metrics-plotter: cleanup failed.`);
    expect(k.stderrLog).toContain(locked);
  } finally {
    chattr('-i', locked);
  }
  const cli = spawnSync(process.execPath, [path.join(REPO, 'lib/cli/cli.js'), 'clean', dir], { encoding: 'utf8' });
  expect(cli.status).toBe(0);
  expect(listTree(dir)).toEqual([]);
});

test("the extension's release request on its comm closes a plotter only when its last view goes", async () => {
  const dir = notebookDir('release');
  const k = await startKernel(dir);
  await k.run(SETUP + 'plotter.show();');
  const shown = await k.run('console.log(plotter.id)');
  const id = shown.stdout.trim();
  expect(await k.releaseView(id, 'v0')).toEqual({ reply: 'release', plotterId: id, outcome: 'kept' });
  expect(listTree(dir).filter(f => f.endsWith('.mp4'))).toHaveLength(2);
  expect(await k.releaseView(id, 'v1')).toMatchObject({ plotterId: id, outcome: 'closed', report: { ok: true } });
  expect(listTree(dir)).toEqual([]);
  expect(await k.releaseView(id, 'v1')).toEqual({ reply: 'release', plotterId: id, outcome: 'unknown' });
  await k.shutdownLikeJupyter(false);
});

test('a release while a training cell runs is handled at once, moves no execution counter, and the comm hears the end', async () => {
  const dir = notebookDir('release-while-running');
  const k = await startKernel(dir);
  await k.run(SETUP);
  const shown = await k.run('console.log(plotter.id)');
  const id = shown.stdout.trim();
  const before = shown.executionCount;
  const commId = await k.openExtensionComm({ settled: true });
  // A training loop that runs until the plotter is closed from outside.
  const startedAt = k.allIopub.length;
  let loopDone = false;
  const loop = k
    .execute(
      'let it = 0; while (!plotter.closed) { plotter.addScalar("loss", 1 / ++it); await new Promise(r => setTimeout(r, 20)); } console.log("stopped after", it);'
    )
    .then(r => ((loopDone = true), r));
  await k.waitForIopub(o => o.msg_type === 'update_display_data');
  const reply = await k.releaseView(id, 'v0');
  expect(loopDone).toBe(false); // answered while the cell was still running
  expect(reply).toMatchObject({ plotterId: id, outcome: 'closed', report: { ok: true } });
  expect(listTree(dir)).toEqual([]);
  // Every comm of the extension is told the session ended, with the report.
  const told = await k.waitForIopub(o => o.msg_type === 'comm_msg' && o.content.data?.event === 'ended');
  expect(told.content).toMatchObject({ comm_id: commId, data: { event: 'ended', plotterId: id, report: { ok: true } } });
  // The kernel never said "idle" while the cell ran: JupyterLab shows the kernel busy throughout.
  expect(k.allIopub.slice(startedAt).filter(o => o.msg_type === 'status' && o.content.execution_state === 'idle')).toEqual([]);
  const loopReply = await loop;
  expect(loopReply.stdout).toContain('stopped after');
  // The comm messages took no execution count: the loop was before+1, the next cell before+2.
  expect(loopReply.executionCount).toBe(before + 1);
  expect((await k.run('1')).executionCount).toBe(before + 2);
  await k.shutdownLikeJupyter(false);
});

test("a shutdown request's end of session reaches the extension's comm before the kernel replies", async () => {
  const dir = notebookDir('ended-on-shutdown');
  const k = await startKernel(dir);
  await k.run(SETUP + 'plotter.show();');
  const id = (await k.run('console.log(plotter.id)')).stdout.trim();
  await k.openExtensionComm({ settled: true });
  await k.shutdownLikeJupyter(false);
  const told = k.allIopub.find(o => o.msg_type === 'comm_msg' && o.content.data?.event === 'ended');
  expect(told?.content.data).toMatchObject({ plotterId: id, report: { ok: true } });
  expect(listTree(dir)).toEqual([]);
});

/** The Python of the venv's JupyterLab, standing in for the Jupyter server that starts kernels. */
const JUPYTER_PYTHON = path.join(REPO, '.venv', 'bin', 'python');

test.each(KERNELS)(
  '%s: show() sends one bundle with a text fallback; live updates go to the same display id, throttled; the payload names the kernel (and says when a page cannot send to it)',
  async runtime => {
    const dir = notebookDir('live', runtime);
    const server = spawn(JUPYTER_PYTHON, ['-c', 'import time; time.sleep(600)'], { stdio: 'ignore' });
    const k = await startKernel(dir, { JPY_PARENT_PID: String(server.pid) }, runtime);
    server.unref();
    const r = await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const p = new MetricsPlotter({ title: "live", liveUpdateMs: 50 });
p.show();
for (let i = 0; i < 20; i++) { p.addScalar("reward", i); await new Promise(res => setTimeout(res, 10)); }`);
    const shows = plotterDisplays(r.outputs);
    expect(shows[0].msg_type).toBe('display_data');
    // No page that renders widget models is attached: no widget view reference (view-widget.test.ts).
    expect(Object.keys(shows[0].content.data).sort()).toEqual([PLOTTER_MIME_TYPE, 'text/html', 'text/plain']);
    const updates = shows.slice(1);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThan(20);
    expect(
      updates.every(
        o => o.msg_type === 'update_display_data' && o.content.transient.display_id === shows[0].content.transient.display_id
      )
    ).toBe(true);
    await k.run('await new Promise(res => setTimeout(res, 100));');
    const final = await k.run('p.show()');
    const shown = final.outputs.find(o => o.msg_type === 'display_data')!.content;
    const payload = shown.data[PLOTTER_MIME_TYPE];
    // Without the extension, the text is useful on its own: values, the install command for the
    // JupyterLab that started the kernel (its Python, from JPY_PARENT_PID), and what cleans up without it.
    const text: string = shown.data['text/plain'];
    expect(text).toMatch(/^MetricsPlotter "live": 1 metric, 0 videos\.$/m);
    expect(text).toMatch(/^ {2}reward +19 +0 +19 +20$/m);
    expect(text).toContain(`npx metrics-plotter install --python ${JUPYTER_PYTHON}`);
    expect(text).toMatch(
      /Without it, plotter\.close\(\), a kernel restart or a shutdown removes the videos; closing the notebook or\nclearing this output does not/
    );
    expect(shown.data['text/html']).toContain('<tr><td>reward</td><td>19</td><td>0</td><td>19</td><td>20</td></tr>');
    expect(payload.metrics[0]).toMatchObject({ name: 'reward', totalPoints: 20 });
    expect(payload.kernel).toMatchObject({ id: k.kernelId, cwd: dir });
    // Deno's kernel takes no messages from a page: its outputs say so (docs/deno.md).
    expect(payload.kernel.oneWay).toBe(runtime === 'deno' ? 'Deno' : undefined);
    await k.shutdownLikeJupyter(false);
    server.kill();
  }
);
