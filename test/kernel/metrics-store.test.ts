/**
 * The metric store: every point kept, compactly (12 to 16 bytes a point), a resumed run (a step that goes
 * back) drawn as the run now is, and past the plotter's memory bound older detail merged into
 * min/max buckets instead of growing.
 */
import { MetricsStore, type Series } from '../../src/kernel/metrics/store';
import { SEGMENT_POINTS, SeriesPoints } from '../../src/kernel/metrics/points';
import { seriesKey } from '../../src/protocol';

/** A series' columns as arrays. */
function columns(p: SeriesPoints): { steps: number[]; values: Array<number | null>; times: number[] } {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  return { steps: idx.map(p.stepAt), values: idx.map(p.valueAt), times: idx.map(p.timeAt) };
}

const series = (store: MetricsStore, key: string): Series => store.series.get(key)!;

test('a step that goes back supersedes the points logged from that step on (a resumed run)', () => {
  const store = new MetricsStore();
  for (let s = 0; s <= 10; s++) store.add('loss', 10 - s, s);
  store.add('loss', 4.5, 5); // resumed from the checkpoint of step 5
  store.add('loss', 4.0, 6);
  const loss = columns(series(store, 'loss').points);
  expect(loss.steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(loss.values).toEqual([10, 9, 8, 7, 6, 4.5, 4.0]);
  expect(store.stats()[0]).toMatchObject({ points: 7, last: 4, min: 4, max: 10 });
  expect(store.latestStep).toBe(6);
});

test('a resumed run cuts back across sealed segments, and logging goes on after the cut', () => {
  const store = new MetricsStore();
  for (let s = 0; s < 3 * SEGMENT_POINTS; s++) store.add('loss', s, s);
  store.add('loss', -1, 100); // resumed from step 100
  store.add('loss', -2);
  const loss = columns(series(store, 'loss').points);
  expect(loss.steps).toHaveLength(102);
  expect(loss.steps.slice(-3)).toEqual([99, 100, 101]);
  expect(loss.values.slice(-3)).toEqual([99, -1, -2]);
  expect(store.stats()[0]).toMatchObject({ points: 102, min: -2, max: 99 });
});

test('points without a step continue from the last step; a repeated step is kept (several values at one step)', () => {
  const store = new MetricsStore();
  store.add('reward', 1);
  store.add('reward', 2);
  store.add('reward', 5, 1);
  expect(columns(series(store, 'reward').points)).toMatchObject({ steps: [0, 1, 1], values: [1, 2, 5] });
});

test('every step, value and time reads back exactly: fractions, steps 2^32 apart, gaps, a clock that goes back', () => {
  const times = [1_790_000_000_000, 1_790_000_000_005, 1_789_999_999_000, 1_790_000_000_010, 1_790_000_000_010.5];
  let t = 0;
  const store = new MetricsStore(() => times[t++ % times.length]);
  const steps = [-5, 0.5, 7, 7 + 2 ** 33, 1e15];
  const values = [0.1 + 0.2, NaN, -1.2345678901234567e-100, Infinity, Number.MAX_VALUE];
  for (let i = 0; i < steps.length; i++) store.add('x', values[i], steps[i]);
  expect(columns(series(store, 'x').points)).toEqual({
    steps,
    values: [0.1 + 0.2, null, -1.2345678901234567e-100, null, Number.MAX_VALUE],
    times
  });
});

test('points logged every step take 12 bytes, every thousandth step 16 (typed arrays, offsets from each segment)', () => {
  let now = 1_790_000_000_000;
  const store = new MetricsStore(() => now++);
  const points = 20 * SEGMENT_POINTS;
  for (let s = 0; s < points; s++) {
    store.add('loss', Math.random(), s);
    store.add('reward', Math.random(), s * 1000);
  }
  expect(series(store, 'loss').points.bytes).toBe(points * 12);
  expect(series(store, 'reward').points.bytes).toBe(points * 16);
  expect(store.boundReached).toBe(false);
});

test('steps that count up and then skip, mid-segment, read back exactly', () => {
  const points = new SeriesPoints();
  const steps = [
    ...Array.from({ length: 100 }, (_, i) => 10 + i),
    500,
    501,
    501,
    502,
    ...Array.from({ length: 100 }, (_, i) => 600 + i)
  ];
  steps.forEach((step, i) => points.push(step, i, 1000 + i));
  expect(columns(points).steps).toEqual(steps);
  expect(columns(points).values).toEqual(steps.map((_, i) => i));
});

test('past the memory bound older detail becomes min/max buckets: within the bound, extremes and the latest points kept', () => {
  const bound = 2 ** 20; // 1 MB: 65,536 points
  const store = new MetricsStore(Date.now, bound);
  const logged = 400_000;
  for (let s = 0; s < logged; s++) {
    store.add('loss', s === 123_456 ? -50 : s === 234_567 ? 50 : Math.sin(s / 1000), s);
    store.add('accuracy', s / logged, s);
  }
  expect(store.boundReached).toBe(true);
  expect(store.pointBytes).toBeLessThanOrEqual(bound);
  const loss = series(store, 'loss').points;
  const { steps, values } = columns(loss);
  expect(loss.logged).toBe(logged);
  expect(loss.length).toBeLessThan(logged / 10);
  expect(Math.min(...(values as number[]))).toBe(-50);
  expect(Math.max(...(values as number[]))).toBe(50);
  expect(steps[0]).toBe(0);
  // Steps stay ordered, and everything after the merged buckets is every point as logged.
  expect(steps.every((x, i) => i === 0 || x >= steps[i - 1])).toBe(true);
  const tail = steps.slice(loss.mergedPoints);
  expect(tail.length).toBeGreaterThan(0);
  expect(tail.every((x, i) => i === 0 || x === tail[i - 1] + 1)).toBe(true);
  expect(tail.at(-1)).toBe(logged - 1);
  expect(store.mergedLogged).toBeGreaterThan(logged);
  expect(store.stats().find(m => m.name === 'loss')).toMatchObject({ points: logged, min: -50, max: 50 });
});

test('when even the buckets outgrow the bound they are merged again, still keeping every extreme', () => {
  const bound = 256 * 1024; // 16,384 points; 2,000,000 logged merge to about 31,000 buckets' worth first
  const store = new MetricsStore(Date.now, bound);
  const logged = 2_000_000;
  for (let s = 0; s < logged; s++) store.add('loss', s === 10 ? 1e9 : s === 1_500_000 ? -1e9 : (s % 1000) / 1000, s);
  expect(store.pointBytes).toBeLessThanOrEqual(bound);
  const loss = series(store, 'loss').points;
  const { steps, values } = columns(loss);
  expect(loss.logged).toBe(logged);
  expect(Math.max(...(values as number[]))).toBe(1e9);
  expect(Math.min(...(values as number[]))).toBe(-1e9);
  expect(steps.every((x, i) => i === 0 || x > steps[i - 1])).toBe(true);
  expect(steps.at(-1)).toBe(logged - 1);
});

test('three hundred series over a bound their full-size open segments alone would pass stay within it, each keeping its history in buckets', () => {
  // 300 open segments of SEGMENT_POINTS would take 29 MB; the bound is 2 MB.
  const bound = 2 * 2 ** 20;
  const store = new MetricsStore(Date.now, bound);
  const names = Array.from({ length: 300 }, (_, i) => `metric/${i}`);
  const steps = 2 * SEGMENT_POINTS;
  const nameIndex = names.map((_, i) => i);
  const time = names.map(() => 1.7e12);
  for (let s = 0; s < steps; s++) {
    store.addRead(
      'run',
      names,
      nameIndex,
      names.map((_, i) => Math.sin(s / 100 + i)),
      names.map(() => s),
      time
    );
  }
  expect(store.boundReached).toBe(true);
  expect(store.pointBytes).toBeLessThanOrEqual(bound);
  for (const name of ['metric/0', 'metric/299']) {
    const points = series(store, seriesKey({ name, run: 'run' })).points;
    const { steps: kept } = columns(points);
    expect(points.logged).toBe(steps);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(steps - 1);
    // The merged history keeps a bucket's min and max every 128 logged points or so, not a handful.
    expect(points.mergedPoints).toBeGreaterThan((2 * points.mergedLogged) / 128 / 4);
  }
});

test('points read from a log go in a run at their own steps and wall times; one with an empty name is left out and counted', () => {
  const changes: number[] = [];
  const store = new MetricsStore(
    () => 0,
    undefined,
    () => changes.push(1)
  );
  const refused = store.addRead('run', ['loss', ''], [0, 1, 0], [1, 2, 3], [10, 11, 12], [1000, 2000, 3000]);
  expect(refused).toBe(1);
  expect(columns(series(store, seriesKey({ name: 'loss', run: 'run' })).points)).toEqual({
    steps: [10, 12],
    values: [1, 3],
    times: [1000, 3000]
  });
  expect([store.latestStepOf('run'), changes.length]).toEqual([12, 1]);
});
