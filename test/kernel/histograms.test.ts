/**
 * Histograms over steps (`addHistogram`): kept as bucket counts on the plotter and on a run, NaN
 * and ±Infinity counted apart; bad input refused with nothing recorded; each series bounded in steps
 * (thinned evenly, the latest kept) and all of them within an eighth of the memory bound, in a few
 * hundred bytes a step whatever the number of values; a resumed run drops the abandoned steps; the
 * payload, the text and the HTML fallback (a distribution chart) carry them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError, MetricsPlotter } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { HISTOGRAM_STEPS, HistogramStore } from '../../src/kernel/metrics/histograms';
import { summaryText } from '../../src/kernel/outputs/summary';
import { summaryOf } from '../../src/kernel/outputs/payload';
import { DISTRIBUTION_PERCENTILES, PLOTTER_MIME_TYPE, percentilesOf, type PlotterPayload } from '../../src/protocol';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-histograms-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const payloadOf = (plotter: MetricsPlotter): PlotterPayload =>
  plotterInternals(plotter).bundle('v0')[PLOTTER_MIME_TYPE] as PlotterPayload;

test('a typed array or an array of numbers, on the plotter and on a run: bucket counts per step, NaN and ±Infinity counted apart', () => {
  const plotter = new MetricsPlotter({ title: 'h', root });
  try {
    plotter.addHistogram(
      'weights',
      Float32Array.from({ length: 1000 }, (_, i) => i / 1000)
    );
    plotter.addHistogram('weights', [0, 1, 2, NaN, Infinity, -Infinity, -Infinity]);
    const run = plotter.run('seed=1', { config: { seed: 1 } });
    run.addHistogram('actions', [1, 1, 2, 3], 40);
    const p = payloadOf(plotter);
    const [weights, actions] = p.histograms!;
    expect(weights).toMatchObject({ name: 'weights', steps: [0, 1], mins: [0, 0], maxes: [0.999, 2], totalSteps: 2 });
    expect(weights.run).toBeUndefined();
    expect(weights.counts[0].reduce((a, b) => a + b)).toBe(1000);
    expect(weights.counts[0]).toHaveLength(30);
    expect(weights.counts[1].reduce((a, b) => a + b)).toBe(3);
    expect(weights.nonFinite).toEqual([
      [0, 0, 0],
      [1, 1, 2]
    ]);
    expect(actions).toMatchObject({ name: 'actions', run: 'seed=1', steps: [40], mins: [1], maxes: [3] });
    // The median read from the buckets is within a bucket's width of the true one.
    const [median] = percentilesOf(weights.mins[0], weights.maxes[0], weights.counts[0], [50]);
    expect(Math.abs(median! - 0.4995)).toBeLessThan(0.999 / 30);
  } finally {
    plotter.close();
  }
});

test('bad input says what was wrong and records nothing', () => {
  const plotter = new MetricsPlotter({ title: 'h', root });
  try {
    expect(() => plotter.addHistogram('w', 'not numbers' as unknown as number[])).toThrow(InputError);
    expect(() => plotter.addHistogram('w', 'not numbers' as unknown as number[])).toThrow(
      /needs an array of numbers or a typed array/
    );
    expect(() => plotter.addHistogram('w', [1, '2' as unknown as number])).toThrow(/"w"\[1\] must be a number/);
    expect(() => plotter.addHistogram('w', [1], NaN)).toThrow(/step of histogram "w" must be a finite number/);
    expect(() => plotter.addHistogram('', [1])).toThrow(/non-empty string/);
    expect(plotterInternals(plotter).histograms.series.size).toBe(0);
    expect(payloadOf(plotter).histograms).toBeUndefined();
  } finally {
    plotter.close();
  }
});

test(`a series keeps at most ${HISTOGRAM_STEPS} steps, spread over the whole run (evenly: every fourth of 1,300, the first and the latest kept), in under 400 bytes a step whatever the values`, () => {
  const store = new HistogramStore();
  const values = new Float32Array(200).map((_, i) => Math.sin(i));
  for (let step = 0; step < 1300; step++) store.add('w', values, step);
  const s = store.series.get('w')!;
  expect(s.kept.length).toBeLessThanOrEqual(HISTOGRAM_STEPS);
  expect(s.kept.length).toBeGreaterThan(HISTOGRAM_STEPS / 2);
  expect(s.logged).toBe(1300);
  expect(s.kept[0].step).toBe(0);
  expect(s.kept[s.kept.length - 1].step).toBe(1299);
  const gaps = s.kept.slice(1).map((h, i) => h.step - s.kept[i].step);
  expect(Math.min(...gaps.slice(0, -1))).toBe(4);
  expect(Math.max(...gaps)).toBe(4);
  expect(store.bytes / s.kept.length).toBeLessThan(400);
  expect(store.thinned).toBe(true);
  // A step of 100,000 values takes what a step of three does.
  const big = new HistogramStore();
  big.add(
    'w',
    new Float64Array(100_000).map((_, i) => Math.cos(i)),
    0
  );
  const small = new HistogramStore();
  small.add('w', [1, 2, 3], 0);
  expect(big.bytes).toBe(small.bytes);
});

test('all histograms stay within an eighth of the memory bound, and the points get the rest', () => {
  const plotter = new MetricsPlotter({ title: 'h', root, memoryBoundMB: 1 });
  try {
    const core = plotterInternals(plotter);
    for (let name = 0; name < 40; name++)
      for (let step = 0; step < 200; step++) plotter.addHistogram(`w${name}`, [step, name, 1], step);
    expect(core.histograms.bytes).toBeLessThanOrEqual(2 ** 20 / 8);
    expect(core.histograms.thinned).toBe(true);
    for (const s of core.histograms.series.values()) expect(s.kept[s.kept.length - 1].step).toBe(199);
    // Points over what is left merge older detail.
    plotter.addMetric(
      'loss',
      Float64Array.from({ length: 80_000 }, (_, i) => 1 / (i + 1))
    );
    expect(core.metrics.boundReached).toBe(true);
    expect(core.metrics.pointBytes + core.histograms.bytes).toBeLessThanOrEqual(2 ** 20 * 1.05);
  } finally {
    plotter.close();
  }
});

test("the saved output thins each histogram's steps to its budget, then leaves out whole series and says how many", () => {
  const plotter = new MetricsPlotter({ title: 'h', root });
  try {
    for (let name = 0; name < 400; name++)
      for (let step = 0; step < 20; step++) plotter.addHistogram(`layer${name}/weights`, [step, name, 1, 2, 3], step);
    const p = payloadOf(plotter);
    expect(p.histograms!.length).toBeGreaterThan(0);
    expect(p.histograms!.length + p.omittedHistograms!).toBe(400);
    expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThan(100_000);
  } finally {
    plotter.close();
  }
});

test('a step that goes back (a resumed run) drops the steps from it on', () => {
  const store = new HistogramStore();
  for (let step = 0; step < 10; step++) store.add('w', [step], step);
  store.add('w', [100], 5);
  expect(store.series.get('w')!.kept.map(h => h.step)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(store.add('w', [1], undefined)).toBe(6);
});

test('the text and the HTML fallback list each histogram at its latest step, and the HTML draws its distribution', () => {
  const plotter = new MetricsPlotter({ title: 'h', root });
  try {
    for (let step = 0; step < 50; step++)
      plotter.addHistogram(
        'weights',
        Float64Array.from({ length: 500 }, (_, i) => (i - 250) / (step + 1)),
        step
      );
    plotter.addHistogram('weights', [1, NaN], 50);
    const text = summaryText(summaryOf(plotterInternals(plotter)), null);
    expect(text).toContain('1 metric'.replace('1 metric', '0 metrics, 1 histogram'));
    expect(text).toMatch(/weights\s+50\s+1\s+1\s+1\s+2 \(1 not finite\)/);
    const html = plotterInternals(plotter).bundle('v0')['text/html'] as string;
    expect(html).toContain('(distribution)');
    expect(html).toMatch(/alt="Distribution of weights over steps 0 to 50: at the last step the median is 1/);
    expect((html.match(/<img src="data:image\/svg\+xml/g) ?? []).length).toBe(1);
  } finally {
    plotter.close();
  }
});

test("the distribution's percentiles are TensorBoard's, read linearly within buckets", () => {
  expect(DISTRIBUTION_PERCENTILES).toEqual([0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100]);
  // Four equal buckets over 0..4, one value each: evenly spread, the median at 2.
  expect(percentilesOf(0, 4, [1, 1, 1, 1], [0, 25, 50, 100])).toEqual([0, 1, 2, 4]);
  expect(percentilesOf(0, 4, [0, 0, 0, 0])).toEqual(DISTRIBUTION_PERCENTILES.map(() => null));
  expect(percentilesOf(3, 3, [5], [0, 50, 100])).toEqual([3, 3, 3]);
});
