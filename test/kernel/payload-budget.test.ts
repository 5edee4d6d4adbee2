/**
 * The metrics part of an output has one byte budget across all series: whatever the number of
 * metrics, their names and their lengths, the JSON stays within it, and every series shown keeps
 * its extremes.
 */
import * as fc from 'fast-check';
import { METRICS_BUDGET_BYTES, metricsWithinBudget, type StoredSeries } from '../../src/kernel/payload';

function series(points: number, value: (i: number) => number | null, step: (i: number) => number = i => i): StoredSeries {
  return { steps: Array.from({ length: points }, (_, i) => step(i)), values: Array.from({ length: points }, (_, i) => value(i)) };
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
          map.set(
            `${prefix}\u0001"${m}`,
            series(
              points,
              i => -1.2345678901234567e-100 * (i + 1),
              i => 1e15 + i * 1.0000000000001
            )
          );
        }
        const { metrics: shown, omittedMetrics } = metricsWithinBudget(map, 2000, budget);
        expect(bytes(shown)).toBeLessThanOrEqual(budget);
        expect(shown.length + omittedMetrics).toBe(metrics);
        for (const s of shown) expect(s.steps.length).toBeGreaterThanOrEqual(Math.min(2, points));
      }
    ),
    { numRuns: 40 }
  );
});

test('a few long series get the whole budget; each keeps its minimum and maximum', () => {
  const map = new Map([
    ['loss', series(1_000_000, i => (i === 777_777 ? -5 : i === 123_456 ? 99 : Math.sin(i)))],
    ['lr', series(1_000_000, i => 3e-4 * Math.exp(-i / 1e5))]
  ]);
  const { metrics, omittedMetrics } = metricsWithinBudget(map, 2000);
  expect(omittedMetrics).toBe(0);
  expect(metrics.map(m => m.steps.length)).toEqual([2000, 2000]);
  expect(Math.min(...(metrics[0].values as number[]))).toBe(-5);
  expect(Math.max(...(metrics[0].values as number[]))).toBe(99);
  expect(metrics[0].totalPoints).toBe(1_000_000);
});

test('10,000 metrics of 200 points: most are shown with their extremes, the rest are counted', () => {
  const map = new Map<string, StoredSeries>();
  for (let m = 0; m < 10_000; m++)
    map.set(
      `layer${m}/grad_norm`,
      series(200, i => Math.random() * 1e-7 + i)
    );
  const { metrics, omittedMetrics } = metricsWithinBudget(map, 2000);
  expect(bytes(metrics)).toBeLessThanOrEqual(METRICS_BUDGET_BYTES);
  // Each name costs its bytes plus two points at the longest JSON numbers: about 8,000 fit in 1.5 MB.
  expect(metrics.length).toBeGreaterThan(8000);
  expect(metrics.length + omittedMetrics).toBe(10_000);
  expect(metrics.every(s => s.steps.length >= 2)).toBe(true);
});
