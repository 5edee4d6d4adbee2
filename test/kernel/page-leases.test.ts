/**
 * Pages that go away without a word (a closed Notebook 7 tab, a crashed renderer, a laptop that
 * never comes back): each page holds the views it shows as a lease, and the kernel lets go of a
 * silent page's views when the lease runs out. The transitions, then a real tslab kernel with a
 * 3-second lease (METRICS_PLOTTER_LEASE_SECONDS) and pages speaking the extension's comm.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FRAMES_PRELUDE, evalJson, kernelSessions, until } from '../support/kernel-sessions';
import { listTree, type KernelProcess } from '../support/kernel-process';
import { ViewLeases } from '../../src/kernel/host/view-leases';

jest.setTimeout(180_000);

describe('ViewLeases', () => {
  const view = { plotterId: 'p', viewId: 'v0' };

  test('a view another page holds is not let go when one page releases it', () => {
    const leases = new ViewLeases<string>(90_000);
    leases.hold('a', view, 0);
    leases.hold('b', view, 0);
    expect(leases.letGo('a', view, 1000)).toEqual({ heldElsewhere: true });
    expect(leases.letGo('b', view, 1000)).toEqual({ heldElsewhere: false });
    // A page of an older extension releases a view it never held: nothing holds it elsewhere.
    expect(leases.letGo('c', { plotterId: 'q', viewId: 'v0' }, 1000)).toEqual({ heldElsewhere: false });
  });

  test('a silent page loses its holds when the lease runs out; the plotter is unwatched once no page holds any of its views', () => {
    const leases = new ViewLeases<string>(90_000);
    leases.hold('a', view, 0);
    leases.hold('b', { plotterId: 'p', viewId: 'v1' }, 0);
    leases.hold('b', { plotterId: 'p', viewId: 'v1' }, 60_000); // b renews, a is silent
    expect(leases.expire(90_000)).toEqual([]);
    expect(leases.watched('p', 90_000)).toBe(true);
    expect(leases.expire(150_000)).toEqual(['p']);
    expect(leases.watched('p', 150_000)).toBe(false);
    // Told once; a page that comes back watches it again.
    expect(leases.expire(200_000)).toEqual([]);
    leases.hold('a', view, 200_000);
    expect(leases.watched('p', 200_000)).toBe(true);
  });

  test('a page that says it is leaving keeps its holds a quarter of a lease, so a reload comes back in time', () => {
    const leases = new ViewLeases<string>(80_000);
    leases.hold('a', view, 0);
    leases.leave('a', view, 1000);
    expect(leases.expire(20_000)).toEqual([]);
    expect(leases.expire(21_000)).toEqual(['p']);
    // A reloaded page holds the view anew before that: it stays watched.
    leases.hold('a', view, 30_000);
    leases.leave('a', view, 31_000);
    leases.hold('reloaded', view, 40_000);
    expect(leases.expire(60_000)).toEqual([]);
  });

  test('time the kernel could not hear (its event loop held by a cell) does not count against a lease', () => {
    const leases = new ViewLeases<string>(90_000);
    leases.hold('a', view, 0);
    leases.extend(300_000);
    expect(leases.expire(300_000)).toEqual([]);
    expect(leases.expire(390_000)).toEqual(['p']);
  });
});

const LEASE_SECONDS = 3;
const SETUP = `${FRAMES_PRELUDE}const plotter = new MetricsPlotter({ title: "leases" });
for (let i = 0; i < 50; i++) plotter.addScalar("loss", 1 / (i + 1), i);
await plotter.addVideoFromFrames("a", Array.from({ length: 10 }, (_, t) => solid(16, 16, t * 20)), { fps: 10 });
plotter.show();
`;
const { notebookDir, startKernel } = kernelSessions();

async function session(name: string): Promise<{ dir: string; before: string[]; k: KernelProcess; id: string }> {
  const dir = notebookDir(name);
  fs.writeFileSync(path.join(dir, 'train.ipynb'), '{}');
  const before = listTree(dir);
  const k = await startKernel(dir, { METRICS_PLOTTER_LEASE_SECONDS: String(LEASE_SECONDS) });
  await k.run(SETUP);
  const id = (await k.run('console.log(plotter.id)')).stdout.trim();
  return { dir, before, k, id };
}

const mp4s = (dir: string): string[] => listTree(dir).filter(f => f.endsWith('.mp4'));
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** A page that keeps renewing its hold (as the extension does, every `renewMs` the kernel asked for) until stopped. */
function renewing(k: KernelProcess, id: string, commId?: string): { stop(): void } {
  const timer = setInterval(() => void k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' }, commId), 500);
  return { stop: () => clearInterval(timer) };
}

test('a page that goes silent: its videos go when the lease runs out, the plotter keeps logging, and a page that comes back keeps new ones', async () => {
  const { dir, before, k, id } = await session('silent-page');
  const held = await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' });
  expect(held.data).toEqual({ reply: 'hold', plotterId: id, known: true, renewMs: (LEASE_SECONDS * 1000) / 6 });
  expect(mp4s(dir)).toHaveLength(1);
  // The page says nothing more (its tab crashed): the folder is as it was once the lease ran out.
  await until(() => listTree(dir).join() === before.join(), 'the silent page should have let go of the video');
  // The training carries on: the plotter is open, logs, and still lists what was logged (a still stands for the file).
  // The training carries on: the plotter is open, logs, and still lists what was logged, as gone
  // (its still stands for the file).
  expect(
    await evalJson(k, '[plotter.closed, plotter.addScalar("loss", 0.01, 50) === plotter, plotter.media.map(e => e.gone)]')
  ).toEqual([false, true, [true]]);
  // A video logged while no page shows the plotter leaves no file either.
  await k.run('await plotter.addVideoFromFrames("b", [solid(16, 16, 0), solid(16, 16, 255)], { fps: 10 });');
  expect(listTree(dir)).toEqual(before);
  // A page comes back (the laptop woke up): new videos stay while it renews.
  const page = renewing(k, id);
  await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' });
  await k.run('await plotter.addVideoFromFrames("c", [solid(16, 16, 0), solid(16, 16, 255)], { fps: 10 });');
  await sleep(2 * LEASE_SECONDS * 1000);
  expect(mp4s(dir)).toEqual([expect.stringMatching(/\/c\.mp4$/)]);
  expect(await evalJson(k, 'plotter.media.map(e => [e.name, e.gone === true])')).toEqual([
    ['a', true],
    ['b', true],
    ['c', false]
  ]);
  page.stop();
  expect(await evalJson(k, 'plotter.close().ok')).toBe(true);
  expect(listTree(dir)).toEqual(before);
});

test('two pages on one notebook: the one that renews keeps the media when the other goes silent, and a release waits for both', async () => {
  const { dir, before, k, id } = await session('two-pages');
  const other = await k.openAnotherPage();
  await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' });
  await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' }, other);
  const alive = renewing(k, id, other);
  await sleep(3 * LEASE_SECONDS * 1000);
  expect(mp4s(dir)).toHaveLength(1);
  // The first page comes back and closes the notebook: the other page still shows the view.
  expect((await k.releaseView(id, 'v0')).outcome).toBe('kept');
  expect(mp4s(dir)).toHaveLength(1);
  alive.stop();
  const last = await k.extensionRequest({ request: 'release', plotterId: id, viewId: 'v0' }, other);
  expect(last.data).toMatchObject({ outcome: 'closed', report: { ok: true } });
  expect(listTree(dir)).toEqual(before);
});

test('a page hidden for unload says it is leaving: its views go after a quarter of the lease unless it comes back', async () => {
  const { dir, before, k, id } = await session('leaving-page');
  await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' });
  const page = renewing(k, id);
  await k.extensionRequest({ request: 'leave', plotterId: id, viewId: 'v0' });
  // Still renewing: a reload that came back; nothing goes.
  await sleep(2 * LEASE_SECONDS * 1000);
  expect(mp4s(dir)).toHaveLength(1);
  page.stop();
  await k.extensionRequest({ request: 'leave', plotterId: id, viewId: 'v0' });
  await until(() => listTree(dir).join() === before.join(), 'the leaving page should have let go of the video');
});

test('a cell that holds the event loop longer than the lease does not cost a renewing page its media', async () => {
  const { dir, k, id } = await session('blocked-loop');
  await k.extensionRequest({ request: 'hold', plotterId: id, viewId: 'v0' });
  const page = renewing(k, id);
  // Synchronous work for twice the lease: the page's holds queue up unread meanwhile.
  await k.run(`const until = Date.now() + ${2 * LEASE_SECONDS * 1000}; while (Date.now() < until) {}`);
  await sleep(LEASE_SECONDS * 1000);
  expect(mp4s(dir)).toHaveLength(1);
  page.stop();
});
