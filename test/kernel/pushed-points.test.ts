/**
 * The live stream of a one-way kernel (Deno's: no page can subscribe), pushed to every page: a
 * snapshot of every series, new points between, a snapshot again every PUSHED_SNAPSHOT_EVERY_MS
 * and once the points stop (a page that came later, or an output rendered after the first event,
 * starts there) — the transitions over a clock, then over the wire with a
 * real Deno kernel: comm_msg on PUSHED_POINTS_COMM_ID with no comm_open, buffers as text.
 */
import { LiveStream } from '../../src/kernel/outputs/live-stream';
import { MetricsStore } from '../../src/kernel/metrics/store';
import type { PageComm } from '../../src/kernel/host/page-comm';
import {
  CHUNK_STRIDE,
  PLOTTER_MIME_TYPE,
  PUSHED_POINTS_COMM_ID,
  PUSHED_SNAPSHOT_EVERY_MS,
  TEXT_BUFFERS,
  type KernelEvent,
  type SeriesChunk
} from '../../src/protocol';
import { KernelProcess, makeNotebookDir, removeNotebookDir, type Output } from '../support/kernel-process';

jest.setTimeout(120_000);

type PointsEvent = Extract<KernelEvent, { event: 'points' }>;

/** A channel that keeps what it was sent. */
function recordingChannel(): PageComm & { events: PointsEvent[] } {
  const events: PointsEvent[] = [];
  return { closed: false, events, send: data => (events.push(data as unknown as PointsEvent), true) };
}

const shape = (e: PointsEvent): unknown => ({
  snapshot: e.snapshot ?? false,
  viewId: e.viewId,
  series: e.series.map(c => [c.name, c.totalPoints, c.count, c.replace])
});

describe('a pushed stream (transitions, over a clock)', () => {
  test('starts with a snapshot, sends only new points between, and every series anew once a snapshot is due', () => {
    let now = 0;
    const store = new MetricsStore(() => now);
    const stream = new LiveStream(store, () => now);
    const channel = recordingChannel();
    stream.pushTo(channel);

    stream.push('p');
    expect(channel.events).toEqual([]); // nothing logged yet: nothing sent, the snapshot still due
    for (let i = 0; i < 10; i++) store.add('loss', 1 / (i + 1), i);
    store.add('lr', 3e-4, 0);
    stream.push('p');
    now += 1000;
    store.add('loss', 0.05, 10);
    stream.push('p');
    stream.push('p'); // nothing new: nothing sent
    now += PUSHED_SNAPSHOT_EVERY_MS;
    store.add('loss', 0.04, 11);
    stream.push('p');

    expect(channel.events.map(shape)).toEqual([
      {
        snapshot: true,
        viewId: undefined,
        series: [
          ['loss', 10, 10, true],
          ['lr', 1, 1, true]
        ]
      },
      { snapshot: false, viewId: undefined, series: [['loss', 11, 1, false]] },
      {
        snapshot: true,
        viewId: undefined,
        series: [
          ['loss', 12, 12, true],
          ['lr', 1, 1, true]
        ]
      }
    ]);
  });

  test('once the points stop, a stream whose last event was new points only gets every series anew (an output rendered after the first snapshot catches up)', () => {
    let now = 0;
    const store = new MetricsStore(() => now);
    const stream = new LiveStream(store, () => now);
    const channel = recordingChannel();
    stream.pushTo(channel);
    expect(stream.unsettled()).toBe(false);

    store.add('loss', 1, 0);
    stream.push('p'); // the first snapshot: settled
    expect(stream.unsettled()).toBe(false);
    now += 100;
    store.add('loss', 0.5, 1);
    stream.push('p'); // new points only: a settling snapshot is due
    expect(stream.unsettled()).toBe(true);
    stream.settle('p');
    expect(stream.unsettled()).toBe(false);
    stream.settle('p'); // settled: nothing more

    expect(channel.events.map(shape)).toEqual([
      { snapshot: true, viewId: undefined, series: [['loss', 1, 1, true]] },
      { snapshot: false, viewId: undefined, series: [['loss', 2, 1, false]] },
      { snapshot: true, viewId: undefined, series: [['loss', 2, 2, true]] }
    ]);
  });

  test('pushing is not a page streaming a view: displays refresh as often as with no stream (a frontend without the extension has only them)', () => {
    const stream = new LiveStream(new MetricsStore());
    stream.pushTo(recordingChannel());
    expect(stream.streams('v0')).toBe(false);
    stream.subscribe(recordingChannel(), 'v0', 100);
    expect(stream.streams('v0')).toBe(true);
    expect(stream.streams('v7')).toBe(false);
  });

  test('a snapshot holds at most 2,000 points a series', () => {
    const store = new MetricsStore();
    const stream = new LiveStream(store);
    const channel = recordingChannel();
    stream.pushTo(channel);
    for (let i = 0; i < 50_000; i++) store.add('loss', Math.sin(i), i);
    stream.push('p');
    const [chunk] = channel.events[0].series;
    expect(chunk).toMatchObject({ totalPoints: 50_000, replace: true });
    expect(chunk.count).toBeLessThanOrEqual(2000);
    expect(chunk.count).toBeGreaterThan(1000);
  });
});

describe("Deno's kernel, over the wire", () => {
  let dir: string;
  let k: KernelProcess;

  beforeAll(async () => {
    dir = makeNotebookDir('pushed-points', 'deno');
    k = await KernelProcess.start(dir, {}, 'deno');
  });

  afterAll(async () => {
    await k?.shutdownLikeJupyter(false);
    removeNotebookDir(dir);
  });

  const pushed = (o: Output): boolean => o.msg_type === 'comm_msg' && o.content.comm_id === PUSHED_POINTS_COMM_ID;

  /** The [step, value] pairs of a chunk's text buffer. */
  function points(event: PointsEvent & Record<string, unknown>, i: number): Array<[number, number]> {
    const chunk: SeriesChunk = event.series[i];
    const bytes = Buffer.from((event[TEXT_BUFFERS] as string[])[i], 'base64');
    const numbers = new Float64Array(new Uint8Array(bytes).buffer);
    return Array.from({ length: chunk.count }, (_, j) => [numbers[j * CHUNK_STRIDE], numbers[j * CHUNK_STRIDE + 1]]);
  }

  test('a shown plotter pushes a snapshot and then only new points to every page, as comm_msg with text buffers and no comm_open', async () => {
    await k.run(`
const { MetricsPlotter } = await import("metrics-plotter");
globalThis.plotter = new MetricsPlotter({ title: "pushed", liveUpdateMs: 50 });
plotter.show();
for (let i = 0; i < 100; i++) plotter.addScalar("loss", 1 / (i + 1), i);`);
    const snapshot = await k.waitForIopub(pushed);
    const first = snapshot.content.data;
    expect(first).toMatchObject({ event: 'points', plotterId: expect.any(String), snapshot: true });
    expect(first.viewId).toBeUndefined();
    expect(first.series).toEqual([{ name: 'loss', totalPoints: 100, count: 100, replace: true }]);
    expect(points(first, 0).at(-1)).toEqual([99, 1 / 100]);
    expect(snapshot.buffers ?? []).toHaveLength(0); // text only: some page's connection may take no binary frames

    const from = k.allIopub.length;
    await k.run(`for (let i = 100; i < 105; i++) plotter.addScalar("loss", 1 / (i + 1), i);`);
    await k.waitForIopub(o => k.allIopub.indexOf(o) >= from && pushed(o) && o.content.data.series[0].totalPoints === 105);
    // The first point goes at once (the throttle had waited long enough), the others with the next update.
    const deltas = k.allIopub
      .slice(from)
      .filter(pushed)
      .map(o => o.content.data);
    for (const delta of deltas) {
      expect(delta.snapshot).toBeUndefined();
      expect(delta.series).toEqual([expect.objectContaining({ name: 'loss', replace: false })]);
    }
    expect(deltas.flatMap(d => points(d, 0).map(p => p[0]))).toEqual([100, 101, 102, 103, 104]);

    // Nothing was opened for it, and the display still ends with every point (what the notebook saves).
    expect(k.allIopub.some(o => o.msg_type === 'comm_open')).toBe(false);
    const display = await k.waitForIopub(
      o => o.msg_type === 'update_display_data' && o.content.data[PLOTTER_MIME_TYPE]?.metrics[0]?.totalPoints === 105,
      15_000
    );
    expect(display.content.data[PLOTTER_MIME_TYPE].kernel.oneWay).toBe('Deno');

    // With no cell running, once the points stopped: every series anew, for an output rendered late.
    const settled = await k.waitForIopub(
      o => k.allIopub.indexOf(o) >= from && pushed(o) && o.content.data.snapshot === true,
      15_000
    );
    expect(settled.content.data.series).toEqual([{ name: 'loss', totalPoints: 105, count: 105, replace: true }]);
  });
});
