/**
 * A live view's series as the kernel streams them: a snapshot, then only new points; a resumed run
 * replaces a series; a view that grew long is downsampled with every extreme kept; a zoomed range
 * in full detail takes the place of the coarse points it covers.
 */
import { CHUNK_STRIDE, type SeriesChunk } from '../../src/protocol';
import { Signal } from '@lumino/signaling';
import { LiveSeries, decodeChunks, float64s, withDetail } from '../../src/lab/live/live-series';
import { LiveSubscription } from '../../src/lab/live/live-subscription';
import type { LiveEvent, ViewSessions } from '../../src/lab/sessions/view-sessions';
import { payload } from './fixtures';

/** A chunk as the kernel sends it: [step, value, time] triples in one Float64 buffer. */
function chunk(name: string, points: Array<[number, number | null, number]>, replace: boolean, totalPoints = points.length) {
  const numbers = new Float64Array(points.length * CHUNK_STRIDE);
  points.forEach(([step, value, time], i) => numbers.set([step, value ?? NaN, time], i * CHUNK_STRIDE));
  const header: SeriesChunk = { name, totalPoints, count: points.length, replace };
  return { header, buffer: numbers };
}

/** The saved payload's series of these names (older than anything streamed). */
const saved = (...names: string[]) => names.map(name => ({ name, steps: [0], values: [1], totalPoints: 1 }));

function apply(live: LiveSeries, ...chunks: Array<ReturnType<typeof chunk>>): void {
  live.apply(
    chunks.map(c => c.header),
    chunks.map(c => c.buffer)
  );
}

it('a snapshot, then appended points; a gap stays a gap; a replaced series starts over', () => {
  const live = new LiveSeries(100);
  apply(
    live,
    chunk(
      'loss',
      [
        [0, 1, 0],
        [1, null, 10]
      ],
      true
    ),
    chunk('lr', [[0, 3e-4, 0]], true)
  );
  apply(live, chunk('loss', [[2, 0.5, 20]], false, 3));
  expect(live.metrics(saved('loss', 'lr'))).toEqual([
    { name: 'loss', steps: [0, 1, 2], values: [1, null, 0.5], times: [0, 10, 20], totalPoints: 3 },
    { name: 'lr', steps: [0], values: [3e-4], times: [0], totalPoints: 1 }
  ]);
  // The run resumed from step 1: the kernel sends the series anew.
  apply(
    live,
    chunk(
      'loss',
      [
        [0, 1, 0],
        [1, 0.9, 30]
      ],
      true
    )
  );
  expect(live.metrics(saved('loss'))[0].steps).toEqual([0, 1]);
});

it('an event computed before the snapshot adds nothing it already has: each point once, whatever order they came in', () => {
  const live = new LiveSeries(100);
  const point = (i: number): [number, number, number] => [i, i / 10, i * 5];
  const points = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => point(from + k));
  apply(live, chunk('loss', points(0, 8), true, 8)); // the snapshot: 8 points logged
  apply(live, chunk('loss', points(5, 8), false, 8)); // from an older cursor: all in the snapshot
  apply(live, chunk('loss', points(6, 10), false, 10)); // overlaps: 8 and 9 are new
  apply(live, chunk('loss', points(10, 12), false, 12));
  const [loss] = live.metrics([]);
  expect(loss.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  expect(loss.totalPoints).toBe(12);
});

it('orders series as the payload does, then the ones the saved payload had no room for', () => {
  const live = new LiveSeries(100);
  apply(live, chunk('b', [[0, 1, 0]], true), chunk('a', [[0, 1, 0]], true), chunk('c', [[0, 1, 0]], true));
  expect(live.metrics(saved('a', 'b')).map(m => m.name)).toEqual(['a', 'b', 'c']);
});

it('a series the payload holds more points of is drawn from the payload (the stream stopped)', () => {
  const live = new LiveSeries(100);
  apply(
    live,
    chunk(
      'loss',
      [
        [0, 1, 0],
        [1, 0.5, 10]
      ],
      true
    )
  );
  const newer = { name: 'loss', steps: [0, 1, 2, 3], values: [1, 0.5, 0.4, 0.3], totalPoints: 4 };
  expect(live.metrics([newer])[0]).toBe(newer);
});

it('a view that grew past twice its cap is downsampled, keeping every extreme and the latest point', () => {
  const live = new LiveSeries(50);
  apply(live, chunk('loss', [[0, 0, 0]], true));
  for (let step = 1; step < 1000; step++) {
    const value = step === 333 ? 99 : step === 777 ? -99 : Math.sin(step);
    apply(live, chunk('loss', [[step, value, step]], false, step + 1));
  }
  const [loss] = live.metrics(saved('loss'));
  expect(loss.steps.length).toBeLessThanOrEqual(100);
  expect(Math.max(...(loss.values as number[]))).toBe(99);
  expect(Math.min(...(loss.values as number[]))).toBe(-99);
  expect(loss.steps.at(-1)).toBe(999);
  expect(loss.totalPoints).toBe(1000);
});

it('series that grow together are downsampled a few at a time, each within twice the cap (their copies reach the collector in small parts)', () => {
  // 200 series (20 runs × 10 metrics) of a view, 25 new points each an update, as a sweep trains.
  const cap = 1000;
  const names = Array.from({ length: 200 }, (_, i) => `m${i}`);
  const live = new LiveSeries(cap);
  const points = (from: number, n: number): Array<[number, number, number]> =>
    Array.from({ length: n }, (_, i) => [from + i, Math.sin(from + i), from + i]);
  // A snapshot of half the cap a series (a snapshot shares its points out among the series).
  apply(live, ...names.map(name => chunk(name, points(0, cap / 2), true)));
  const perUpdate: number[] = [];
  let columns = live.metrics([]).map(m => m.steps);
  for (let update = 0, step = cap / 2; update < 200; update++, step += 25) {
    apply(live, ...names.map(name => chunk(name, points(step, 25), false, step + 25)));
    const now = live.metrics([]);
    perUpdate.push(now.filter((m, i) => m.steps !== columns[i]).length);
    expect(Math.max(...now.map(m => m.steps.length))).toBeLessThanOrEqual(2 * cap);
    expect(now.every(m => m.steps.at(-1) === step + 24)).toBe(true);
    columns = now.map(m => m.steps);
  }
  expect(perUpdate.reduce((a, b) => a + b)).toBeGreaterThan(200); // every series, more than once
  // Rooms of 1.5 to 2 caps: each series is copied at its own update among cap / 2 / 25 = 20 (one
  // bound for all would copy all 200 at once).
  expect(Math.max(...perUpdate)).toBeLessThanOrEqual(1.5 * (200 / 20));
});

it('reads buffers that are not 8-byte aligned (a websocket message slices them anywhere)', () => {
  const numbers = new Float64Array([5, 0.25, 7]);
  const bytes = new Uint8Array(3 + numbers.byteLength);
  bytes.set(new Uint8Array(numbers.buffer), 3);
  expect([...float64s(new DataView(bytes.buffer, 3, numbers.byteLength))]).toEqual([5, 0.25, 7]);
  const [series] = decodeChunks([{ name: 'x', totalPoints: 9, count: 1, replace: true }], [new DataView(bytes.buffer, 3)]);
  expect(series).toEqual({ name: 'x', totalPoints: 9, steps: [5], values: [0.25], times: [7] });
});

it('a zoomed range in full detail replaces the coarse points between its first and last step', () => {
  const base = { name: 'loss', steps: [0, 100, 200, 300], values: [4, 3, 2, 1], times: [0, 1, 2, 3], totalPoints: 301 };
  const detail = {
    name: 'loss',
    steps: [99, 100, 101, 102],
    values: [3.1, 3, 2.9, 2.8],
    times: [0.9, 1, 1.1, 1.2],
    totalPoints: 301
  };
  expect(withDetail(base, detail)).toEqual({
    name: 'loss',
    steps: [0, 99, 100, 101, 102, 200, 300],
    values: [4, 3.1, 3, 2.9, 2.8, 2, 1],
    times: [0, 0.9, 1, 1.1, 1.2, 2, 3],
    totalPoints: 301
  });
  expect(withDetail(base, undefined)).toBe(base);
});

describe("a one-way kernel's pushed stream (Deno's)", () => {
  /** The sessions a panel sees: only the signal of points matters here; asking is recorded. */
  function sessionsStandIn() {
    const sender = {};
    const liveEvents = new Signal<object, LiveEvent>(sender);
    const asked: string[] = [];
    const sessions = {
      liveEvents,
      subscribe: async () => (asked.push('subscribe'), null),
      unsubscribe: () => void asked.push('unsubscribe')
    } as unknown as ViewSessions;
    const push = (snapshot: boolean, ...chunks: Array<ReturnType<typeof chunk>>): void =>
      liveEvents.emit({
        event: {
          event: 'points',
          plotterId: 'p1',
          startedAt: 0,
          series: chunks.map(c => c.header),
          ...(snapshot ? { snapshot } : {})
        },
        buffers: chunks.map(c => c.buffer)
      });
    return { sessions, asked, push };
  }

  it('asks the kernel nothing, draws the payload until a snapshot comes, and from there the snapshot and the new points', async () => {
    const { sessions, asked, push } = sessionsStandIn();
    let drawn = 0;
    const live = new LiveSubscription(sessions, () => drawn++);
    const view = payload({ plotterId: 'p1', viewId: 'v0', metrics: [], kernel: { id: 'k', pid: 1, cwd: '/n', oneWay: 'Deno' } });
    expect(await live.start(view, 100)).toBe(false);

    push(false, chunk('loss', [[5, 0.5, 50]], false, 6)); // new points before any snapshot: nothing to add them to
    expect(live.active).toBe(false);
    expect(live.draw(view)).toBe(view);

    push(
      true,
      chunk(
        'loss',
        [
          [0, 1, 0],
          [5, 0.5, 50]
        ],
        true,
        6
      )
    );
    push(false, chunk('loss', [[6, 0.4, 60]], false, 7));
    expect(live.active).toBe(true);
    expect(live.draw(view).metrics.map(m => [m.name, m.steps, m.totalPoints])).toEqual([['loss', [0, 5, 6], 7]]);

    // The next snapshot starts the series over (a page that came later, or one that missed an event).
    push(
      true,
      chunk(
        'loss',
        [
          [0, 1, 0],
          [7, 0.3, 70]
        ],
        true,
        8
      )
    );
    expect(live.draw(view).metrics.map(m => [m.steps, m.totalPoints])).toEqual([[[0, 7], 8]]);
    expect(drawn).toBe(3);

    live.dispose();
    expect(asked).toEqual([]);
  });

  it('takes no pushed points of another plotter', async () => {
    const { sessions, push } = sessionsStandIn();
    const live = new LiveSubscription(sessions, () => undefined);
    await live.start(payload({ plotterId: 'other', kernel: { id: 'k', pid: 1, cwd: '/n', oneWay: 'Deno' } }), 100);
    push(true, chunk('loss', [[0, 1, 0]], true));
    expect(live.active).toBe(false);
    live.dispose();
  });
});
