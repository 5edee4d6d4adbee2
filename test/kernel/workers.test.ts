/**
 * Logging into a run from workers (run.logFrom, and runLogger() from metrics-plotter/worker), with
 * real worker threads and forked processes (the package as built: lib/), the real ffmpeg and file
 * system: every scalar, image and video arrives in the run; a worker thread's frames move (their
 * buffers are detached in the worker); a fast worker never has more than MAX_IN_FLIGHT requests
 * held by the kernel; a worker that dies (an uncaught exception, SIGKILL) before closing its logger
 * marks the run failed, and one that closed it does not.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { MetricsPlotter, type Run } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { MAX_IN_FLIGHT } from '../../src/kernel/workers/messages';
import { linkWorker } from '../../src/kernel/workers/worker-link';
import { REPO } from '../support/kernel-process';

jest.setTimeout(60_000);

const WORKER_ENTRY = path.join(REPO, 'lib', 'kernel', 'workers', 'index.js');

let root: string;
beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-workers-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A worker script: `body` runs with `log` (this worker's runLogger()) and `report` (to the test). */
function script(body: string): string {
  const file = path.join(root, `worker-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(
    file,
    `const { runLogger } = require(${JSON.stringify(WORKER_ENTRY)});
const { parentPort } = require('worker_threads');
const report = m => (parentPort ? parentPort.postMessage({ report: m }) : process.send({ report: m }));
const log = runLogger();
(async () => { ${body} })();`
  );
  return file;
}

/** A frame of `w` × `h` RGBA, every byte `v`. */
const frame = (w: number, h: number, v: number): string =>
  `{ width: ${w}, height: ${h}, data: new Uint8ClampedArray(${w * h * 4}).fill(${v}) }`;

function exited(worker: Worker | ChildProcess): Promise<void> {
  return new Promise(resolve => worker.once('exit', () => resolve()));
}

/** Resolves once the run is no longer running (or the condition holds). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise(r => setTimeout(r, 20));
}

function seriesOf(plotter: MetricsPlotter, run: string, name: string): Array<[number, number | null]> {
  const s = plotterInternals(plotter).metrics.series.get(`${run}\u0000${name}`);
  if (!s) return [];
  return Array.from({ length: s.points.length }, (_, i) => [s.points.step(i), s.points.value(i)]);
}

test('a worker thread logs scalars, histograms, an image and a video into a run with the same calls; its frames move to the kernel, not copied', async () => {
  const plotter = new MetricsPlotter({ title: 'workers', root });
  const run: Run = plotter.run('env 0', { config: { env: 0 } });
  const worker = new Worker(
    script(`
for (let i = 0; i < 1000; i++) log.addScalar('return', i / 10);
log.addScalar('loss', 0.5, 7);
await log.addHistogram('weights', Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)));
await log.addHistogram('weights', [1, 2, NaN], 5);
const image = ${frame(8, 6, 200)};
await log.addImage('obs', image, { step: 7 });
const frames = [${frame(32, 24, 10)}, ${frame(32, 24, 120)}, ${frame(32, 24, 250)}];
await log.addVideoFromFrames('rollout', frames, { fps: 10, step: 7 });
report({ detached: [image.data.byteLength, ...frames.map(f => f.data.byteLength)] });
await log.close();
`)
  );
  const reports: unknown[] = [];
  worker.on('message', m => reports.push(m.report));
  run.logFrom(worker);
  await exited(worker);

  expect(seriesOf(plotter, 'env 0', 'return')).toEqual(Array.from({ length: 1000 }, (_, i) => [i, i / 10]));
  expect(seriesOf(plotter, 'env 0', 'loss')).toEqual([[7, 0.5]]);
  // Histograms are counted in the worker: their buckets arrive, steps as the plotter's call gives them.
  const weights = plotterInternals(plotter).histograms.series.get('env 0\u0000weights')!;
  expect(weights.kept.map(h => [h.step, h.num, h.nan, h.counts.reduce((a, b) => a + b, 0)])).toEqual([
    [0, 1000, 0, 1000],
    [5, 2, 1, 2]
  ]);
  const media = plotterInternals(plotter).media.entries();
  expect(media.map(m => [m.run, m.name, m.kind, m.step, m.width, m.height, m.frames ?? 1])).toEqual([
    ['env 0', 'obs', 'image', 7, 8, 6, 1],
    ['env 0', 'rollout', 'video', 7, 32, 24, 3]
  ]);
  for (const m of media) expect(fs.statSync(m.absolutePath).size).toBeGreaterThan(0);
  // Transferred: the worker's buffers are empty once sent.
  expect(reports).toEqual([{ detached: [0, 0, 0, 0] }]);
  expect(run.status).toBe('running');
  plotter.close();
});

test('a forked child process logs into a run through its IPC channel (frames copied), and exits without failing it', async () => {
  const plotter = new MetricsPlotter({ title: 'workers', root });
  const run = plotter.run('proc');
  const child = fork(
    script(`
log.addMetric('return', [1, 2, 3]);
await log.addVideoFromFrames('rollout', { shape: [2, 4, 6, 3], data: new Uint8Array(2 * 4 * 6 * 3).fill(90) }, { fps: 5 });
await log.close();
`),
    { stdio: 'ignore' }
  );
  run.logFrom(child);
  await exited(child);
  expect(seriesOf(plotter, 'proc', 'return')).toEqual([
    [0, 1],
    [1, 2],
    [2, 3]
  ]);
  expect(plotterInternals(plotter).media.entries()).toEqual([
    expect.objectContaining({ run: 'proc', name: 'rollout', kind: 'video', frames: 2, width: 6, height: 4 })
  ]);
  expect(run.status).toBe('running');
  plotter.close();
});

test('a worker that dies before closing its logger marks its run failed: an uncaught exception in a thread, SIGKILL of a process', async () => {
  const plotter = new MetricsPlotter({ title: 'workers', root });
  const thrown = plotter.run('thrown');
  const worker = new Worker(script(`log.addScalar('x', 1); await log.flush(); throw new Error('the environment diverged');`));
  const workerExited = exited(worker);
  thrown.logFrom(worker);
  const killed = plotter.run('killed');
  const child = fork(script(`log.addScalar('x', 1); await log.flush(); report('logged'); setInterval(() => {}, 1000);`), {
    stdio: 'ignore'
  });
  const childExited = exited(child);
  killed.logFrom(child);
  await new Promise<void>(resolve => child.on('message', (m: { report?: string }) => m.report === 'logged' && resolve()));
  child.kill('SIGKILL');
  await Promise.all([workerExited, childExited]);
  await until(() => thrown.status !== 'running' && killed.status !== 'running');
  expect([thrown.status, killed.status]).toEqual(['failed', 'failed']);
  // What they logged before they died stays.
  expect(seriesOf(plotter, 'thrown', 'x')).toEqual([[0, 1]]);
  expect(seriesOf(plotter, 'killed', 'x')).toEqual([[0, 1]]);
  plotter.close();
});

test('a link is forgotten once its worker exited (a thread, a process): a run fed by many short-lived workers keeps none of them', async () => {
  const target = {
    name: 'short',
    addMetric: () => undefined,
    addCountedHistogram: () => undefined,
    addImage: async () => undefined,
    addVideoFromFrames: async () => undefined,
    fail: () => undefined
  };
  const body = `log.addScalar('x', 1); await log.close();`;
  const gone: string[] = [];
  const worker = new Worker(script(body));
  linkWorker(target, worker, () => gone.push('thread'));
  const child = fork(script(body), { stdio: 'ignore' });
  linkWorker(target, child, () => gone.push('process'));
  await Promise.all([exited(worker), exited(child)]);
  await until(() => gone.length === 2);
  expect(gone.sort()).toEqual(['process', 'thread']);
});

test(`a fast worker never has more than ${MAX_IN_FLIGHT} requests held by the kernel: it waits for answers`, async () => {
  let held = 0;
  let mostHeld = 0;
  const release: Array<() => void> = [];
  const target = {
    name: 'slow',
    addMetric: () => undefined,
    addCountedHistogram: () => undefined,
    addImage: async () => undefined,
    // A kernel that encodes slowly: each video is held until the test lets it go.
    addVideoFromFrames: () => {
      held++;
      mostHeld = Math.max(mostHeld, held);
      return new Promise<void>(resolve =>
        release.push(() => {
          held--;
          resolve();
        })
      );
    },
    fail: () => undefined
  };
  const worker = new Worker(
    script(`
const sent = [];
for (let i = 0; i < 20; i++) sent.push(log.addVideoFromFrames('v', [${frame(4, 4, 1)}], { fps: 1 }));
for (let i = 0; i < 100000; i++) log.addScalar('x', i);
await Promise.all(sent);
await log.close();
`)
  );
  const stop = linkWorker(target, worker);
  for (let answered = 0; answered < 20; answered++) {
    await until(() => release.length > 0);
    expect(held).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    release.shift()!();
  }
  await exited(worker);
  stop();
  expect(mostHeld).toBe(MAX_IN_FLIGHT);
});

test("scalars the kernel refuses (the run was ended) are told at the worker's next flush(), once", async () => {
  const plotter = new MetricsPlotter({ title: 'workers', root });
  const run = plotter.run('ended');
  const worker = new Worker(
    script(`
await new Promise(r => setTimeout(r, 100));
log.addScalar('x', 1);
const told = [];
for (let i = 0; i < 2; i++) await log.flush().then(() => told.push('ok'), err => told.push(err.message));
report(told);
`)
  );
  const reports: unknown[] = [];
  worker.on('message', m => reports.push(m.report));
  const done = exited(worker);
  run.logFrom(worker);
  run.end();
  await done;
  expect(reports).toEqual([
    [expect.stringMatching(/^metrics-plotter \(in the kernel\): .*cannot add a metric to the run "ended": it finished/), 'ok']
  ]);
  plotter.close();
});
