/** Numbers as people read them, at every magnitude a training run produces. */
import * as fc from 'fast-check';
import { searchSorted } from '../../src/protocol/downsample';
import { formatDuration, formatMeanStd, formatNumber, formatTicks } from '../../src/protocol/format';

test('values read right at every magnitude', () => {
  expect([3e-4, 1.5e-7, 0.9998, 12345, 2.1e9, -0.5, 0, 1e-3, 999999, 1e6].map(formatNumber)).toEqual([
    '3e-4',
    '1.5e-7',
    '0.9998',
    '12,345',
    '2.1e9',
    '-0.5',
    '0',
    '0.001',
    '1,000,000',
    '1e6'
  ]);
  expect(formatNumber(null)).toBe('—');
});

test('axis ticks of a small learning rate are not all "0"', () => {
  expect(formatTicks([0, 1e-4, 2e-4, 3e-4])).toEqual(['0', '1e-4', '2e-4', '3e-4']);
  expect(formatTicks([0.0005, 0.001])).toEqual(['0.0005', '0.0010']);
  expect(formatTicks([0, 0.25, 0.5, 0.75, 1])).toEqual(['0.00', '0.25', '0.50', '0.75', '1.00']);
  expect(formatTicks([0, 5000, 10000, 15000])).toEqual(['0', '5,000', '10,000', '15,000']);
  expect(formatTicks([1e9, 1.5e9, 2e9, 2.5e9])).toEqual(['1e9', '1.5e9', '2e9', '2.5e9']);
});

test('ticks never repeat a label, whatever their spacing and magnitude', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e12, max: 1e12, noNaN: true }),
      fc.double({ min: 1e-12, max: 1e11, noNaN: true }),
      fc.integer({ min: 2, max: 12 }),
      (start, step, n) => {
        const ticks = Array.from({ length: n }, (_, i) => start + i * step);
        fc.pre(new Set(ticks).size === n);
        const labels = formatTicks(ticks);
        expect(new Set(labels).size).toBe(n);
      }
    )
  );
});

test('durations on a relative-time axis read as a person says them', () => {
  expect([0, 2.5, 45, 60, 150, 3600, 3660, 12_000, 86_400, 190_800].map(formatDuration)).toEqual([
    '0s',
    '2.5s',
    '45s',
    '1m',
    '2m 30s',
    '1h',
    '1h 1m',
    '3h 20m',
    '1d',
    '2d 5h'
  ]);
});

test('searchSorted finds where a value goes in an ascending column, before or after equal values', () => {
  const column = [0, 10, 10, 20];
  expect([-1, 0, 5, 10, 20, 25].map(x => searchSorted(column, x))).toEqual([0, 0, 1, 1, 3, 4]);
  expect([-1, 0, 5, 10, 20, 25].map(x => searchSorted(column, x, 'right'))).toEqual([0, 1, 1, 3, 4, 4]);
});

it('a mean ± std reads as results are reported: the spread to two significant digits, the mean to the same place', () => {
  expect(formatMeanStd(49, 27.139)).toBe('49 ± 27');
  expect(formatMeanStd(475.22, 391.93)).toBe('475 ± 392');
  expect(formatMeanStd(0.48213, 0.01234)).toBe('0.482 ± 0.012');
  expect(formatMeanStd(12345.6, 0.5)).toBe('12,345.60 ± 0.50');
  expect(formatMeanStd(3, 0)).toBe('3 ± 0');
  expect(formatMeanStd(3e-4, 2e-5)).toBe('3e-4 ± 2e-5');
  expect(formatMeanStd(2.1e9, 3e8)).toBe('2.1e9 ± 3e8');
});
