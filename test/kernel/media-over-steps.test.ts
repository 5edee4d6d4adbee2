/**
 * Media as a series over training steps, in a real tslab kernel with the real ffmpeg: a rollout
 * logged under one name every N episodes, images, replacement at the same step, keepLast, files that
 * cannot collide, and every cleanup guarantee for every kind and step.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FRAMES_PRELUDE, evalJson, kernelSessions, plotterDisplays, until } from '../support/kernel-sessions';
import { listTree, type KernelProcess } from '../support/kernel-process';
import { probeVideo } from '../support/media';
import { PLOTTER_MIME_TYPE } from '../../src/protocol';

jest.setTimeout(180_000);

const PRELUDE = `${FRAMES_PRELUDE}
const frames = (v: number) => Array.from({ length: 6 }, () => solid(16, 16, v));
`;

const sessions = kernelSessions();
const session = (name: string) => sessions.session(name, PRELUDE);
const json = evalJson;

test('one name logged every 100 episodes is one series of entries by step; the payload carries each step', async () => {
  const { dir, k } = await session('steps');
  const r = await k.run(`
const plotter = new MetricsPlotter({ title: "rl" });
plotter.show();
for (let ep = 0; ep <= 300; ep += 100) await plotter.addVideoFromFrames("rollout", frames(ep / 2), { fps: 30, step: ep });`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => [e.kind, e.name, e.step])).toEqual([
    ['video', 'rollout', 0],
    ['video', 'rollout', 100],
    ['video', 'rollout', 200],
    ['video', 'rollout', 300]
  ]);
  expect(new Set(media.map((e: any) => e.path)).size).toBe(4);
  for (const e of media) expect(probeVideo(path.join(dir, e.path))).toMatchObject({ width: 16, height: 16, frames: 6 });
  const last = plotterDisplays(r.outputs).pop()!;
  expect(last.content.data[PLOTTER_MIME_TYPE].media.map((e: any) => e.step)).toEqual([0, 100, 200, 300]);
  expect(last.content.data[PLOTTER_MIME_TYPE].version).toBe(2);
});

test('without a step, media line up with the latest metric step (or 0); the same step again replaces the entry and deletes the old file', async () => {
  const { k } = await session('default-step');
  await k.run(`
const plotter = new MetricsPlotter();
await plotter.addImage("first", solid(4, 4, 1));
for (let s = 0; s <= 700; s += 7) plotter.addScalar("loss", 1 / (s + 1), s);
await plotter.addVideoFromFrames("rollout", frames(10), { fps: 30 });`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => [e.name, e.step])).toEqual([
    ['first', 0],
    ['rollout', 700]
  ]);
  const old = media[1].absolutePath;
  await k.run('await plotter.addVideoFromFrames("rollout", frames(200), { fps: 30, step: 700 });');
  const after = await json(k, 'plotter.media');
  expect(after.filter((e: any) => e.name === 'rollout')).toHaveLength(1);
  expect(after[1].absolutePath).not.toBe(old);
  expect(fs.existsSync(old)).toBe(false);
  expect(fs.existsSync(after[1].absolutePath)).toBe(true);
});

test('addImage writes a PNG from RGBA, RGB, gray and float frames that decodes back', async () => {
  const { dir, k } = await session('images');
  await k.run(`
const plotter = new MetricsPlotter();
await plotter.addImage("rgba", solid(5, 3, 200), { step: 1 });
await plotter.addImage("rgb", { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) }, { step: 1 });
await plotter.addImage("gray", { shape: [3, 4, 1], data: new Uint8Array(12).fill(77) }, { step: 2 });
await plotter.addImage("float", { shape: [1, 2, 2, 3], data: new Float32Array(12).fill(1) }, { step: 3 });`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => [e.kind, e.name, e.width, e.height])).toEqual([
    ['image', 'rgba', 5, 3],
    ['image', 'rgb', 2, 2],
    ['image', 'gray', 4, 3],
    ['image', 'float', 2, 2]
  ]);
  for (const e of media) {
    expect(e.path).toMatch(/\.png$/);
    expect(fs.readFileSync(path.join(dir, e.path)).subarray(1, 4).toString()).toBe('PNG');
  }
  const rgb = probeVideo(path.join(dir, media[1].path));
  expect([...rgb.firstFrame.subarray(0, 6)]).toEqual([255, 0, 0, 0, 255, 0]);
  const gray = probeVideo(path.join(dir, media[2].path));
  expect(gray.firstFrame[0]).toBe(77);
});

test('keepLast keeps only the last entries of a name on disk and counts the rest; per name it overrides the plotter', async () => {
  const { k } = await session('keep-last');
  await k.run(`
const plotter = new MetricsPlotter({ keepLast: 2 });
plotter.show();
const written: string[] = [];
for (let s = 0; s < 5; s++) written.push((await plotter.addImage("frame", solid(4, 4, s * 40), { step: s })).absolutePath);
for (let s = 0; s < 3; s++) await plotter.addImage("kept", solid(4, 4, s), { step: s, keepLast: 3 });`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => [e.name, e.step])).toEqual([
    ['frame', 3],
    ['frame', 4],
    ['kept', 0],
    ['kept', 1],
    ['kept', 2]
  ]);
  const written: string[] = await json(k, 'written');
  expect(written.map(f => fs.existsSync(f))).toEqual([false, false, false, true, true]);
  const r = await k.run('plotter.show()');
  const payload = r.outputs.find(o => o.msg_type === 'display_data')!.content.data[PLOTTER_MIME_TYPE];
  expect(payload.retired).toEqual({ frame: 3 });
});

test('two encodes at once whose names map to the same file stem get different files', async () => {
  const { dir, k } = await session('collide');
  await k.run(`
const plotter = new MetricsPlotter();
await Promise.all([plotter.addVideoFromFrames("a b", frames(10), { fps: 30 }), plotter.addVideoFromFrames("a-b", frames(250), { fps: 30 })]);`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => e.name).sort()).toEqual(['a b', 'a-b']);
  const files = media.map((e: any) => path.basename(e.path)).sort();
  expect(files).toEqual(['a-b-2.mp4', 'a-b.mp4']);
  const bright = media.find((e: any) => e.name === 'a-b');
  expect(probeVideo(path.join(dir, bright.path)).firstFrame[0]).toBeGreaterThan(200);
});

test.each([
  ['close()', async (k: KernelProcess) => void (await k.run('plotter.close()'))],
  [
    'the release of its last output (the notebook closed, the output cleared)',
    async (k: KernelProcess) => {
      const id = (await k.run('console.log(plotter.id)')).stdout.trim();
      expect(await k.releaseView(id, 'v0')).toMatchObject({ outcome: 'closed' });
    }
  ],
  ['a restart request', async (k: KernelProcess) => void (await k.shutdownLikeJupyter(true))],
  ['a shutdown request', async (k: KernelProcess) => void (await k.shutdownLikeJupyter(false))],
  ['SIGTERM', async (k: KernelProcess) => void (await k.kill('SIGTERM'))],
  ['SIGHUP', async (k: KernelProcess) => void (await k.kill('SIGHUP'))],
  [
    "SIGKILL (the kernel's watchdog)",
    async (k: KernelProcess, dir: string) => {
      const before = listTree(dir).filter(f => !f.startsWith('assets'));
      await k.kill('SIGKILL');
      await until(() => JSON.stringify(listTree(dir)) === JSON.stringify(before), 'the watchdog should remove the media');
    }
  ],
  [
    'SIGKILL of the kernel and its watchdog, then the next plotter in the folder',
    async (k: KernelProcess, dir: string) => {
      process.kill(await k.watchdogPid(), 'SIGKILL');
      await k.kill('SIGKILL');
      const next = await sessions.startKernel(dir);
      await next.run('import { MetricsPlotter } from "metrics-plotter"; new MetricsPlotter();');
      await next.shutdownLikeJupyter(false);
    }
  ]
])('%s removes every kind of media at every step, of every run; the folder is as it was', async (what, end) => {
  const { dir, k } = await session(`end-${what.split(' ')[0].replace(/\W/g, '')}`);
  fs.writeFileSync(path.join(dir, 'notes.md'), 'mine');
  const before = listTree(dir);
  await k.run(`
const plotter = new MetricsPlotter({ keepLast: 3 });
plotter.show();
const seeds = [plotter.run("seed 0", { config: { seed: 0 } }), plotter.run("seed 1", { config: { seed: 1 } })];
for (let s = 0; s < 5; s++) {
  await plotter.addVideoFromFrames("rollout", frames(s * 30), { fps: 30, step: s * 100 });
  await plotter.addImage("frame", solid(8, 8, s * 30), { step: s * 100 });
}
for (const run of seeds) await run.addVideoFromFrames("rollout", frames(60), { fps: 30, step: 0 });`);
  expect(listTree(dir).filter(f => /\.(mp4|png)$/.test(f))).toHaveLength(8);
  await end(k, dir);
  expect(listTree(dir)).toEqual(before);
});
