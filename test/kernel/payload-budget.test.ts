/**
 * The metrics part of an output has one byte budget across all series: whatever the number of
 * metrics, their names and their lengths, the JSON stays within it, and every series shown keeps
 * its extremes. The displayed output (what a notebook saves) has a small one; detail for live
 * views a larger one. A whole saved output, every MIME part together, stays under 100 kB, runs included.
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetricsPlotter } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { PLOTTER_MIME_TYPE, type PlotterPayload } from '../../src/protocol';
import {
  DETAIL_METRICS_BUDGET_BYTES,
  SAVED_METRICS_BUDGET_BYTES,
  metricsWithinBudget,
  type StoredSeries
} from '../../src/kernel/metrics/saved-budget';
import { SeriesPoints } from '../../src/kernel/metrics/points';

const T0 = 1_790_000_000_000;

function series(
  points: number,
  value: (i: number) => number | null,
  step: (i: number) => number = i => i,
  time: (i: number) => number = i => T0 + i * 37
): Omit<StoredSeries, 'name' | 'run'> {
  const kept = new SeriesPoints();
  for (let i = 0; i < points; i++) kept.push(step(i), value(i), time(i));
  return { points: kept };
}

/** A series of the default run under `name`. */
function put(map: Map<string, StoredSeries>, name: string, s: Omit<StoredSeries, 'name' | 'run'>): void {
  map.set(name, { name, run: '', ...s });
}

const bytes = (x: unknown): number => Buffer.byteLength(JSON.stringify(x));

test('the longest JSON numbers, names that need escaping, and any count of metrics stay within the budget', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 1, max: 400 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.integer({ min: 10_000, max: 400_000 }),
      (metrics, points, prefix, budget) => {
        const map = new Map<string, StoredSeries>();
        for (let m = 0; m < metrics; m++) {
          put(
            map,
            `${prefix}\u0001"${m}`,
            series(
              points,
              i => -1.2345678901234567e-100 * (i + 1),
              i => 1e15 + i * 1.0000000000001,
              i => T0 + 9e12 + i
            )
          );
        }
        const { metrics: shown, omittedMetrics } = metricsWithinBudget(map, 2000, budget, T0);
        expect(bytes(shown)).toBeLessThanOrEqual(budget);
        expect(shown.length + omittedMetrics).toBe(metrics);
        for (const s of shown) expect(s.steps.length).toBeGreaterThanOrEqual(Math.min(2, points));
      }
    ),
    { numRuns: 40 }
  );
});

test('a few long series get the whole budget; each keeps its minimum and maximum', () => {
  const map = new Map<string, StoredSeries>();
  put(
    map,
    'loss',
    series(1_000_000, i => (i === 777_777 ? -5 : i === 123_456 ? 99 : Math.sin(i)))
  );
  put(
    map,
    'lr',
    series(1_000_000, i => 3e-4 * Math.exp(-i / 1e5))
  );
  const { metrics, omittedMetrics } = metricsWithinBudget(map, 2000, DETAIL_METRICS_BUDGET_BYTES, T0);
  expect(omittedMetrics).toBe(0);
  // A monotonic series keeps one point a bucket where it is flat at that scale: at most 2000, near it.
  for (const m of metrics) expect(m.steps.length).toBeGreaterThan(1990);
  for (const m of metrics) expect(m.steps.length).toBeLessThanOrEqual(2000);
  expect(metrics[1].steps.at(-1)).toBe(999_999); // the latest point is always kept
  expect(Math.min(...(metrics[0].values as number[]))).toBe(-5);
  expect(Math.max(...(metrics[0].values as number[]))).toBe(99);
  expect(metrics[0].totalPoints).toBe(1_000_000);
});

test('10,000 metrics of 200 points: most are shown with their extremes, the rest are counted', () => {
  const map = new Map<string, StoredSeries>();
  for (let m = 0; m < 10_000; m++)
    put(
      map,
      `layer${m}/grad_norm`,
      series(200, i => Math.random() * 1e-7 + i)
    );
  const { metrics, omittedMetrics } = metricsWithinBudget(map, 2000, DETAIL_METRICS_BUDGET_BYTES, T0);
  expect(bytes(metrics)).toBeLessThanOrEqual(DETAIL_METRICS_BUDGET_BYTES);
  // Each name costs its bytes plus two points at the longest JSON numbers: about 6,800 fit in 1.5 MB.
  expect(metrics.length).toBeGreaterThan(6500);
  expect(metrics.length + omittedMetrics).toBe(10_000);
  expect(metrics.every(s => s.steps.length >= 2)).toBe(true);
});

test('the saved output: 10 series of 100,000 points fit its budget with over 150 points each (min and max of each bucket), times relative to the start', () => {
  const map = new Map<string, StoredSeries>();
  for (let m = 0; m < 10; m++)
    put(
      map,
      `metric${m}`,
      series(100_000, i => (i === 4242 ? 1e6 : Math.cos(i / 1000) * (m + 1) + Math.random() * 0.1))
    );
  const { metrics, omittedMetrics } = metricsWithinBudget(map, 2000, SAVED_METRICS_BUDGET_BYTES, T0);
  expect(omittedMetrics).toBe(0);
  expect(bytes(metrics)).toBeLessThanOrEqual(SAVED_METRICS_BUDGET_BYTES);
  for (const m of metrics) {
    expect(m.steps.length).toBeGreaterThan(150);
    expect(m.times).toHaveLength(m.steps.length);
    expect(m.times![0]).toBe(0);
    expect(m.times!.at(-1)).toBe(99_999 * 37);
    expect(Math.max(...(m.values as number[]))).toBe(1e6); // the spike survives
  }
});

test('a sweep of 20 runs × 10 metrics × 20,000 points: the saved output, every MIME part together, stays under 100 kB with every series in it', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-sweep-budget-'));
  try {
    const plotter = new MetricsPlotter({ title: 'sweep', root });
    for (let r = 0; r < 20; r++) {
      const run = plotter.run(`lr=${(r + 1) * 1e-4} seed=${r % 5}`, {
        config: { lr: (r + 1) * 1e-4, seed: r % 5, optimizer: 'adam' }
      });
      for (let m = 0; m < 10; m++)
        run.addMetric(
          `group${m % 3}/metric${m}`,
          Float64Array.from({ length: 20_000 }, (_, i) => Math.sin(i / 100 + r) / (m + 1))
        );
    }
    const bundle = plotterInternals(plotter).bundle('v0');
    const total = Object.values(bundle).reduce<number>((sum, part) => sum + bytes(part), 0);
    expect(total).toBeLessThanOrEqual(100_000);
    const payload = bundle[PLOTTER_MIME_TYPE] as PlotterPayload;
    expect(payload.runs).toHaveLength(20);
    expect(payload.metrics).toHaveLength(200);
    expect(payload.omittedMetrics ?? 0).toBe(0);
    for (const m of payload.metrics) expect(m.steps.length).toBeGreaterThanOrEqual(2);
    plotter.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('fuzzed over sizes (metrics, points, runs, histograms, videos and images), a saved output with its static charts, distributions and stills stays under 100 kB in all its parts', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-fuzz-budget-'));
  const solid = (v: number) => ({ width: 48, height: 32, data: new Uint8ClampedArray(48 * 32 * 4).fill(v) });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4_000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 600 }),
        async (names, points, runs, media, histograms, histogramSteps) => {
          const plotter = new MetricsPlotter({ title: 'fuzz', root });
          try {
            const loggers = runs
              ? Array.from({ length: runs }, (_, r) => plotter.run(`run ${r}`, { config: { seed: r } }))
              : [plotter];
            for (const logger of loggers)
              for (let m = 0; m < names; m++)
                logger.addMetric(
                  `group${m % 4}/a metric name of some length ${m}`,
                  Float64Array.from({ length: points }, (_, i) => Math.sin(i / 50 + m))
                );
            for (const logger of loggers)
              for (let h = 0; h < histograms; h++)
                for (let step = 0; step < histogramSteps; step++)
                  logger.addHistogram(
                    `weights/a layer of some name length ${h}`,
                    Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 7.1 + step / 9) * (1 + step / 100)),
                    step
                  );
            for (let v = 0; v < media; v++) {
              if (v % 3 === 2) await plotter.addImage(`image ${v}`, solid(v * 20));
              else await plotter.addVideoFromFrames(`rollout ${v}`, [solid(10), solid(200), solid(90)], { fps: 10 });
            }
            const bundle = plotterInternals(plotter).bundle('v0');
            expect(Object.values(bundle).reduce<number>((sum, part) => sum + bytes(part), 0)).toBeLessThanOrEqual(100_000);
          } finally {
            plotter.close();
          }
        }
      ),
      { numRuns: 12 }
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
