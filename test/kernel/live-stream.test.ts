/**
 * Live detail over the extension's comm, against a real tslab kernel: a live view subscribes and
 * gets a snapshot of every series at its width, then only the new points as binary buffers, while
 * the display (what the notebook saves) is refreshed far less often; a resumed run sends a series
 * anew; a zoomed range comes back in full detail, also while a training cell runs; a page that sees
 * no display updates gets the view's bundle on the comm.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CHUNK_STRIDE, PLOTTER_MIME_TYPE, type SeriesChunk } from '../../src/protocol';
import { KernelProcess, makeNotebookDir, removeNotebookDir, type Output } from '../support/kernel-process';

jest.setTimeout(120_000);

let dir: string;
let k: KernelProcess;
let plotterId: string;

beforeAll(async () => {
  dir = makeNotebookDir('live-stream');
  k = await KernelProcess.start(dir);
  const shown = await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "stream", liveUpdateMs: 50 });
for (let i = 0; i < 5000; i++) { plotter.addScalar("loss", i === 1234 ? 50 : 1 / (i + 1), i); plotter.addScalar("lr", 3e-4, i); }
plotter.show();
console.log(plotter.id);`);
  plotterId = shown.stdout.trim();
});

afterAll(async () => {
  await k.shutdownLikeJupyter(false);
  removeNotebookDir(dir);
});

/** The [step, value, time] triples of a chunk's buffer. */
function points(buffer: Buffer, chunk: SeriesChunk): Array<[number, number, number]> {
  const copy = new Float64Array(new Uint8Array(buffer).slice().buffer);
  expect(copy.length).toBe(chunk.count * CHUNK_STRIDE);
  return Array.from({ length: chunk.count }, (_, i) => [copy[i * 3], copy[i * 3 + 1], copy[i * 3 + 2]]);
}

function pointEvents(from: number): Output[] {
  return k.allIopub.slice(from).filter(o => o.msg_type === 'comm_msg' && o.content.data?.event === 'points');
}

test('a subscription gets every series at the width asked for, extremes and the latest point kept', async () => {
  const { data, buffers } = await k.extensionRequest({ request: 'subscribe', plotterId, viewId: 'v0', points: 200 });
  expect(data).toMatchObject({ reply: 'subscribe', plotterId, known: true });
  expect(data.series.map((c: SeriesChunk) => [c.name, c.totalPoints, c.replace])).toEqual([
    ['loss', 5000, true],
    ['lr', 5000, true]
  ]);
  const loss = points(buffers[0], data.series[0]);
  expect(loss.length).toBeLessThanOrEqual(200);
  expect(loss.length).toBeGreaterThan(150);
  expect(Math.max(...loss.map(p => p[1]))).toBe(50);
  expect(loss.at(-1)![0]).toBe(4999);
  expect(loss.at(-1)![1]).toBe(1 / 5000); // full precision: the stream is not the saved payload
});

test('then only new points cross, while the display is refreshed far less often', async () => {
  const from = k.allIopub.length;
  await k.run(
    `for (let i = 5000; i < 5100; i++) { plotter.addScalar("loss", 1 / (i + 1), i); await new Promise(r => setTimeout(r, 10)); }`
  );
  await k.waitForIopub(
    o =>
      k.allIopub.indexOf(o) >= from &&
      o.msg_type === 'comm_msg' &&
      o.content.data?.event === 'points' &&
      o.content.data.series.some((c: SeriesChunk) => c.totalPoints === 5100)
  );
  const events = pointEvents(from);
  const sent = events.flatMap(e =>
    e.content.data.series.map((c: SeriesChunk, i: number) => ({ c, pts: points(e.buffers![i], c) }))
  );
  expect(sent.every(({ c }) => c.name === 'loss' && !c.replace)).toBe(true);
  // Every new point exactly once, in order: nothing the view had already.
  expect(sent.flatMap(({ pts }) => pts.map((p: number[]) => p[0]))).toEqual(Array.from({ length: 100 }, (_, i) => 5000 + i));
  const displays = k.allIopub.slice(from).filter(o => o.msg_type === 'update_display_data');
  expect(events.length).toBeGreaterThan(3 * Math.max(1, displays.length));
});

test('new media reach a streamed view at once: the display carries them, the comm only points', async () => {
  const r = await k.run(`
const red = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(200) };
await plotter.addImage("frame", red, { step: 5099 });`);
  // Within the cell that logged it, not at the next refresh of a streamed view's display.
  const updates = r.outputs.filter(o => o.msg_type === 'update_display_data');
  expect(updates.some(o => o.content.data[PLOTTER_MIME_TYPE].media.some((m: { name: string }) => m.name === 'frame'))).toBe(true);
});

test("a page that sees no display updates (Voilà's) subscribes with bundles: the reply carries the view's bundle, and every display update sends it on the comm", async () => {
  const { data } = await k.extensionRequest({ request: 'subscribe', plotterId, viewId: 'v0', points: 200, bundles: true });
  expect(data.bundle[PLOTTER_MIME_TYPE].media.map((m: { name: string }) => m.name)).toEqual(['frame']);
  expect(data.bundle['text/html']).toContain('<img');
  const from = k.allIopub.length;
  const r = await k.run(`await plotter.addImage("frame", red, { step: 5100 });`);
  const displayed = r.outputs.filter(o => o.msg_type === 'update_display_data').at(-1)!.content.data;
  const event = await k.waitForIopub(
    o => k.allIopub.indexOf(o) >= from && o.msg_type === 'comm_msg' && o.content.data?.event === 'bundle'
  );
  expect(event.content.data).toMatchObject({ event: 'bundle', plotterId, viewId: 'v0' });
  expect(event.content.data.bundle[PLOTTER_MIME_TYPE].media).toEqual(displayed[PLOTTER_MIME_TYPE].media);
  expect(event.content.data.bundle[PLOTTER_MIME_TYPE].media.map((m: { step: number }) => m.step)).toEqual([5099, 5100]);
});

test('a resumed run (a step that goes back) sends the series anew', async () => {
  const from = k.allIopub.length;
  await k.run('plotter.addScalar("loss", 7, 100);');
  const event = await k.waitForIopub(
    o => k.allIopub.indexOf(o) >= from && o.msg_type === 'comm_msg' && o.content.data?.event === 'points'
  );
  const chunk = event.content.data.series.find((c: SeriesChunk) => c.name === 'loss');
  expect(chunk).toMatchObject({ replace: true, totalPoints: 101 });
  expect(points(event.buffers![event.content.data.series.indexOf(chunk)], chunk).at(-1)).toEqual([100, 7, expect.any(Number)]);
});

test('a zoomed range comes back in full detail, also while a training cell runs', async () => {
  let done = false;
  // A training loop that runs until a file appears (anything sent to the kernel would queue behind it).
  const loop = k
    .execute('while (!require("fs").existsSync("stop")) await new Promise(r => setTimeout(r, 20));')
    .then(r => ((done = true), r));
  const { data, buffers } = await k.extensionRequest({
    request: 'range',
    plotterId,
    axis: 'step',
    min: 1000,
    max: 1100,
    points: 2000
  });
  expect(done).toBe(false);
  const lr = points(buffers[1], data.series[1]);
  // Every point in the range, and one beyond each end so the line reaches the chart's edges.
  expect(lr.map(p => p[0])).toEqual(Array.from({ length: 103 }, (_, i) => 999 + i));
  fs.writeFileSync(path.join(dir, 'stop'), '');
  expect((await loop).status).toBe('ok');
  fs.rmSync(path.join(dir, 'stop'));
});

test('the displayed output, what the notebook saves, stays within its budget', async () => {
  const last = [...k.allIopub].reverse().find(o => o.msg_type === 'update_display_data' || o.msg_type === 'display_data')!;
  expect(Buffer.byteLength(JSON.stringify(last.content.data[PLOTTER_MIME_TYPE].metrics))).toBeLessThanOrEqual(80_000);
});

test('past its memory bound a plotter merges older detail: views go on getting every new point, a zoom there says it shows buckets, the output says the bound was reached', async () => {
  const shown = await k.run(`
const bounded = new MetricsPlotter({ title: "bounded", liveUpdateMs: 50, memoryBoundMB: 1 });
bounded.addScalar("loss", 1, 0);
bounded.addScalar("reward", 0, 0);
bounded.show();
console.log(bounded.id);`);
  const id = shown.stdout.trim();
  await k.extensionRequest({ request: 'subscribe', plotterId: id, viewId: 'vb', points: 20_000 });
  const from = k.allIopub.length;
  // 100,000 steps of two metrics (2.4 MB of points at 12 bytes), 2,000 steps between live updates.
  const r = await k.run(`
for (let s = 1; s < 100_000; s++) {
  bounded.addScalar("loss", s === 3_333 ? -9 : 1 / s, s);
  bounded.addScalar("reward", s / 100_000, s);
  if (s % 2_000 === 0) await new Promise(r => setTimeout(r, 80));
}
await new Promise(r => setTimeout(r, 200));`);
  expect(r.status).toBe('ok');
  const sent = pointEvents(from)
    .filter(e => e.content.data.plotterId === id)
    .flatMap(e => e.content.data.series.map((c: SeriesChunk, i: number) => ({ c, pts: points(e.buffers![i], c) })))
    .filter(({ c }) => c.name === 'loss');
  // Merging changes nothing the view has (only the older half of the detail merges, long sent):
  // every new point once, appended, as logged.
  expect(sent.filter(({ c }) => c.replace).map(({ c }) => c.totalPoints)).toEqual([]);
  expect(sent.flatMap(({ pts }) => pts.map((p: number[]) => p[0]))).toEqual(Array.from({ length: 99_999 }, (_, i) => i + 1));
  expect(sent.some(({ c }) => c.merged)).toBe(false);
  expect(sent.at(-1)!.c.totalPoints).toBe(100_000);

  const old = await k.extensionRequest({ request: 'range', plotterId: id, axis: 'step', min: 3000, max: 4000, points: 2000 });
  const oldLoss = old.data.series.find((c: SeriesChunk) => c.name === 'loss');
  expect(oldLoss.merged).toBe(true);
  expect(oldLoss.count).toBeLessThan(1001); // buckets: fewer points than steps in the range
  expect(Math.min(...points(old.buffers[old.data.series.indexOf(oldLoss)], oldLoss).map(p => p[1]))).toBe(-9);
  const recent = await k.extensionRequest({
    request: 'range',
    plotterId: id,
    axis: 'step',
    min: 99_000,
    max: 99_100,
    points: 2000
  });
  expect(recent.data.series.every((c: SeriesChunk) => !c.merged && c.count === 103)).toBe(true); // one point beyond each end

  const display = [...k.allIopub]
    .reverse()
    .find(o => /display_data/.test(o.msg_type) && o.content.data?.[PLOTTER_MIME_TYPE]?.plotterId === id)!;
  expect(display.content.data[PLOTTER_MIME_TYPE].memoryBound).toEqual({ bytes: 2 ** 20, mergedPoints: expect.any(Number) });
  expect(display.content.data['text/plain']).toMatch(
    /Memory bound reached \(1 MB of points\): [\d,]+ older points are merged into min\/max buckets/
  );
  expect(display.content.data['text/plain']).toMatch(/loss .* 100,000$/m); // points logged, not kept
});

test('the stream also runs in the cell that loaded metrics-plotter (no cell had gone through the comm hook yet)', async () => {
  const first = makeNotebookDir('live-stream-first-cell');
  const fresh = await KernelProcess.start(first);
  try {
    const cell = fresh.execute(`
import { MetricsPlotter } from "metrics-plotter";
const p = new MetricsPlotter({ liveUpdateMs: 50 });
p.addScalar("x", 0, 0);
p.show();
console.log("PLOTTER", p.id);
let i = 1;
while (!require("fs").existsSync("stop")) { p.addScalar("x", i, i++); await new Promise(r => setTimeout(r, 20)); }`);
    const printed = await fresh.waitForIopub(o => o.msg_type === 'stream' && String(o.content.text).includes('PLOTTER'));
    const id = String(printed.content.text).split('PLOTTER')[1].trim();
    const { data } = await fresh.extensionRequest({ request: 'subscribe', plotterId: id, viewId: 'v0', points: 100 });
    expect(data.known).toBe(true);
    const event = await fresh.waitForIopub(o => o.msg_type === 'comm_msg' && o.content.data?.event === 'points');
    expect(event.content.data.series[0]).toMatchObject({ name: 'x', replace: false });
    fs.writeFileSync(path.join(first, 'stop'), '');
    expect((await cell).status).toBe('ok');
  } finally {
    await fresh.shutdownLikeJupyter(false);
    removeNotebookDir(first);
  }
});
