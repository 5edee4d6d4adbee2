/**
 * Runs of one plotter (a sweep, seeds) in a real tslab kernel with the real ffmpeg: each run logs as
 * the plotter does into its own series and media, the output lists the runs with their configs and
 * statuses, the live stream and zoomed ranges name each series' run, the text fallback lists them,
 * bad input changes nothing, and every run's media go with the session.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PLOTTER_MIME_TYPE, type SeriesChunk } from '../../src/protocol';
import { evalJson, kernelSessions, plotterDisplays } from '../support/kernel-sessions';
import { listTree } from '../support/kernel-process';

jest.setTimeout(180_000);

const sessions = kernelSessions();
const session = (name: string) => sessions.session(name);
const json = evalJson;

const SWEEP = `
const plotter = new MetricsPlotter({ title: "sweep" });
const runs = [];
for (const lr of [1e-3, 3e-4]) for (const seed of [0, 1]) {
  const run = plotter.run(\`lr=\${lr} seed=\${seed}\`, { config: { lr, seed, optimizer: "adam" } });
  for (let s = 0; s < 100; s++) run.addScalar("loss", (1 + seed) / (1 + s * lr * 100), s);
  runs.push(run);
}
plotter.show();`;

test('each run logs into its own series; the output lists the runs, in the order they began, with config and status', async () => {
  const { k } = await session('runs-payload');
  const r = await k.run(SWEEP + `\nruns[3].end({ failed: true }); runs[0].end();`);
  const payload = plotterDisplays(r.outputs)[0].content.data[PLOTTER_MIME_TYPE];
  expect(payload.runs.map((x: any) => [x.name, x.config.lr, x.config.seed, x.status])).toEqual([
    ['lr=0.001 seed=0', 1e-3, 0, 'running'],
    ['lr=0.001 seed=1', 1e-3, 1, 'running'],
    ['lr=0.0003 seed=0', 3e-4, 0, 'running'],
    ['lr=0.0003 seed=1', 3e-4, 1, 'running']
  ]);
  expect(payload.metrics.map((m: any) => [m.run, m.name, m.totalPoints])).toEqual([
    ['lr=0.001 seed=0', 'loss', 100],
    ['lr=0.001 seed=1', 'loss', 100],
    ['lr=0.0003 seed=0', 'loss', 100],
    ['lr=0.0003 seed=1', 'loss', 100]
  ]);
  // The statuses reach the output with its next update.
  const statuses = await json(k, 'runs.map(r => r.status)');
  expect(statuses).toEqual(['finished', 'running', 'running', 'failed']);
  // The same name returns the same run; asked without a config, any config matches.
  expect(await json(k, 'plotter.run("lr=0.001 seed=0") === runs[0]')).toBe(true);
  // The plotter's own logging is the default run, listed once it has data.
  await k.run('plotter.addScalar("loss", 9, 0); await new Promise(r => setTimeout(r, 400));');
  const last = plotterDisplays(k.allIopub).pop()!;
  const latest = last.content.data[PLOTTER_MIME_TYPE];
  expect(latest.runs[0]).toEqual({ name: '', config: {}, status: 'running' });
  expect(latest.runs.slice(1).map((x: any) => x.status)).toEqual(['finished', 'running', 'running', 'failed']);
  expect(latest.metrics.find((m: any) => m.run === undefined)).toMatchObject({ name: 'loss', totalPoints: 1 });
  // The text fallback lists the runs with their config and each metric with its run.
  const text: string = last.content.data['text/plain'];
  expect(text).toContain('5 runs, 5 metrics');
  expect(text).toContain('run "lr=0.0003 seed=1" (lr=3e-4, seed=1, optimizer=adam): failed');
  expect(text).toMatch(/lr=0\.001 seed=0 · loss/);
});

test('bad run input gets one InputError that says what to do, and changes nothing', async () => {
  const { k } = await session('runs-input');
  await k.run(`
const plotter = new MetricsPlotter();
const a = plotter.run("a", { config: { lr: 0.1, seed: 1 } });
a.addScalar("loss", 1, 0);
function tryIt(f) { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message; } }`);
  const errors = await json<string[]>(
    k,
    `[
  tryIt(() => plotter.run("")),
  tryIt(() => plotter.run(42 as any)),
  tryIt(() => plotter.run("b", { config: { nested: { x: 1 } } as any })),
  tryIt(() => plotter.run("b", { config: { lr: NaN } })),
  tryIt(() => plotter.run("b", { config: { f: (() => 1) as any } })),
  tryIt(() => plotter.run("b", { config: [1, 2] as any })),
  tryIt(() => plotter.run("a", { config: { lr: 0.2, seed: 1 } })),
  tryIt(() => { a.end(); a.addScalar("loss", 2, 1); })
]`
  );
  expect(errors.every(e => e.startsWith('InputError: metrics-plotter: '))).toBe(true);
  expect(errors[0]).toMatch(/run name must be a non-empty string/);
  expect(errors[1]).toMatch(/run name must be a non-empty string like "lr=3e-4 seed=1"; got 42\./);
  expect(errors[2]).toMatch(/"nested": an object; config values must be finite numbers, strings or booleans/);
  expect(errors[3]).toMatch(/"lr": NaN/);
  expect(errors[4]).toMatch(/"f": a function/);
  expect(errors[5]).toMatch(/must be a plain object/);
  expect(errors[6]).toMatch(/already exists with config \{"lr":0.1,"seed":1\}, not \{"lr":0.2,"seed":1\}/);
  expect(errors[7]).toMatch(/cannot add a metric to the run "a": it finished \(run.end\(\) was called\)/);
  // Nothing changed: one run, with its config as first given.
  expect(await json(k, 'plotter.runs.map(r => [r.name, r.config, r.status])')).toEqual([['a', { lr: 0.1, seed: 1 }, 'finished']]);
});

test("each run's media are their own series, named by run, and go with the session with every other file", async () => {
  const { dir, k } = await session('runs-media');
  const before = listTree(dir);
  await k.run(`
const plotter = new MetricsPlotter({ keepLast: 2 });
const a = plotter.run("seed 0", { config: { seed: 0 } });
const b = plotter.run("seed 1", { config: { seed: 1 } });
for (const step of [0, 10, 20]) {
  await a.addVideoFromFrames("rollout", Array.from({ length: 4 }, () => solid(16, 16, 40)), { fps: 10, step });
  await b.addVideoFromFrames("rollout", Array.from({ length: 4 }, () => solid(16, 16, 200)), { fps: 10, step });
}
await plotter.addImage("value map", solid(8, 8, 9), { step: 20 });
plotter.show();`);
  const media = await json(k, 'plotter.media');
  expect(media.map((e: any) => [e.run ?? null, e.name, e.step])).toEqual([
    ['seed 0', 'rollout', 10],
    ['seed 0', 'rollout', 20],
    ['seed 1', 'rollout', 10],
    ['seed 1', 'rollout', 20],
    [null, 'value map', 20]
  ]);
  for (const e of media) expect(fs.existsSync(path.join(dir, e.path))).toBe(true);
  expect(media[0].path).toMatch(/\/seed-0-rollout(-\d+)?\.mp4$/);
  // keepLast counts per run and name: each run retired its step 0, and its card says so.
  const shown = await k.run('plotter.show();');
  const payload = plotterDisplays(shown.outputs)[0].content.data[PLOTTER_MIME_TYPE];
  expect(payload.retired).toEqual({ 'seed 0\u0000rollout': 1, 'seed 1\u0000rollout': 1 });
  await k.run('plotter.close();');
  expect(listTree(dir)).toEqual(before);
});

test('the live stream and a zoomed range name the run of every series', async () => {
  const { k } = await session('runs-stream');
  const shown = await k.run(`
const plotter = new MetricsPlotter({ liveUpdateMs: 50 });
const a = plotter.run("a"), b = plotter.run("b");
for (let s = 0; s < 300; s++) { a.addScalar("loss", 1 / (s + 1), s); b.addScalar("loss", 2 / (s + 1), s); }
plotter.show();
console.log(plotter.id);`);
  const plotterId = shown.stdout.trim();
  const snapshot = await k.extensionRequest({ request: 'subscribe', plotterId, viewId: 'v0', points: 100 });
  expect(snapshot.data.series.map((c: SeriesChunk) => [c.run, c.name, c.totalPoints])).toEqual([
    ['a', 'loss', 300],
    ['b', 'loss', 300]
  ]);
  const from = k.allIopub.length;
  await k.run('for (let s = 300; s < 310; s++) b.addScalar("loss", 0.001, s); await new Promise(r => setTimeout(r, 300));');
  const events = k.allIopub.slice(from).filter(o => o.msg_type === 'comm_msg' && o.content.data?.event === 'points');
  const chunks = events.flatMap(o => o.content.data.series as SeriesChunk[]);
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks.every(c => c.run === 'b' && !c.replace)).toBe(true);
  const range = await k.extensionRequest({ request: 'range', plotterId, axis: 'step', min: 100, max: 110, points: 100 });
  expect(range.data.series.map((c: SeriesChunk) => [c.run, c.count])).toEqual([
    ['a', 13],
    ['b', 13]
  ]);
});

test("a live view asks for the histograms in detail: every kept step of each run's, where the saved payload has what its budget allows", async () => {
  const { k } = await session('runs-histograms');
  const shown = await k.run(`
const plotter = new MetricsPlotter({ title: "histograms" });
for (const name of ["a", "b"]) {
  const run = plotter.run(name);
  for (let s = 0; s < 300; s++) run.addHistogram("weights", Float32Array.from({ length: 100 }, (_, i) => Math.sin(i + s)), s);
}
plotter.show();
console.log(plotter.id);`);
  const plotterId = shown.stdout.trim();
  const payload = plotterDisplays(shown.outputs)[0].content.data[PLOTTER_MIME_TYPE];
  expect(payload.histograms.map((h: { run: string; totalSteps: number }) => [h.run, h.totalSteps])).toEqual([
    ['a', 300],
    ['b', 300]
  ]);
  expect(payload.histograms[0].steps.length).toBeLessThan(300);
  const detail = await k.extensionRequest({ request: 'histograms', plotterId });
  expect(detail.data.known).toBe(true);
  expect(detail.data.histograms.map((h: { run: string; steps: number[] }) => [h.run, h.steps.length, h.steps[299]])).toEqual([
    ['a', 300, 299],
    ['b', 300, 299]
  ]);
  await k.run('plotter.close();');
  const after = await k.extensionRequest({ request: 'histograms', plotterId });
  expect(after.data).toEqual({ reply: 'histograms', plotterId, known: false, histograms: [] });
});

test('pin() asks the notebook to keep a run: each call one request in the payload, with its label, the latest 16; bad input asks nothing', async () => {
  const { k } = await session('runs-pin');
  await k.run(SWEEP);
  await k.run(`function tryIt(f) { try { f(); return "no error"; } catch (e) { return e.name + ": " + e.message; } }`);
  const from = k.allIopub.length;
  await k.run(
    'plotter.pin("lr=0.001 seed=1"); plotter.pin("lr=0.0003 seed=0", { label: "before the fix" }); await new Promise(r => setTimeout(r, 300));'
  );
  const pinsOf = (since: number): Array<{ id: string; run: string; label?: string }> =>
    plotterDisplays(k.allIopub.slice(since) as never).at(-1)!.content.data[PLOTTER_MIME_TYPE].pins;
  const pins = pinsOf(from);
  expect(pins.map(p => [p.run, p.label])).toEqual([
    ['lr=0.001 seed=1', undefined],
    ['lr=0.0003 seed=0', 'before the fix']
  ]);
  expect(new Set(pins.map(p => p.id)).size).toBe(2);
  const errors = await json<string[]>(
    k,
    `[
  tryIt(() => plotter.pin("nope")),
  tryIt(() => plotter.pin()),
  tryIt(() => plotter.pin("lr=0.001 seed=1", { label: "" })),
  tryIt(() => plotter.pin("lr=0.001 seed=1", 3 as any))
]`
  );
  expect(errors.every(e => e.startsWith('InputError: metrics-plotter: '))).toBe(true);
  expect(errors[0]).toMatch(
    /cannot pin the run "nope": it has logged no metrics; the runs with metrics are "lr=0.001 seed=0", "lr=0.001 seed=1", "lr=0.0003 seed=0", "lr=0.0003 seed=1"\. Pin a run after it logged/
  );
  expect(errors[1]).toMatch(
    /cannot pin the run "default": it has logged no metrics.*pin\(\) alone pins the plotter's own logging/
  );
  expect(errors[2]).toMatch(/a baseline's label must be a non-empty string of at most 100 characters/);
  expect(errors[3]).toMatch(/pass options like \{ label: "before the reward fix" \}/);
  const later = k.allIopub.length;
  await k.run('for (let i = 0; i < 20; i++) plotter.pin("lr=0.001 seed=0"); await new Promise(r => setTimeout(r, 300));');
  const bounded = pinsOf(later);
  expect(bounded).toHaveLength(16);
  expect(bounded.every(p => p.run === 'lr=0.001 seed=0')).toBe(true);
});
