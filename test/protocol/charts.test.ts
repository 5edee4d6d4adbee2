/**
 * What every drawing of an output shares, for every reader: colours that stand out from both
 * themes' backgrounds, and a chart said in words (the text alternative of the panel's charts and of
 * the static images).
 */
import { describeChart, lastFinite, trendOf } from '../../src/protocol/chart-summary';
import { SERIES_COLORS, contrast } from '../../src/protocol/charts';

const stepWords = (x: number): string => `step ${x}`;
const line = (label: string, values: Array<number | null>) => ({ label, steps: values.map((_, i) => i * 10), values });

test('a trend is the last tenth against the first; a change within a twentieth of the range is flat', () => {
  expect(trendOf(Array.from({ length: 100 }, (_, i) => 1 / (i + 1)))).toBe('falling');
  expect(trendOf(Array.from({ length: 100 }, (_, i) => i + 5 * Math.sin(i)))).toBe('rising');
  // Noise around a level: flat, however it ends.
  expect(trendOf(Array.from({ length: 100 }, (_, i) => 10 + (i % 2 ? 1 : -1)))).toBe('flat');
  expect(trendOf([null, 3])).toBeNull();
  expect(lastFinite([1, 2, null, NaN])).toEqual({ index: 1, value: 2 });
});

test('each line: its trend, first and last value and where, and its range; the first eight, then how many more', () => {
  const text = describeChart(
    'loss',
    [line('lr=0.1', [1.04, 0.5, 0.2, -0.017, 0.0264]), line('lr=0.3', [null, 2]), line('empty', [null])],
    stepWords
  );
  expect(text).toBe(
    'Chart of loss, 3 lines. lr=0.1: falling from 1.04 to 0.0264 (step 0 to step 40), between -0.017 and 1.04. ' +
      'lr=0.3: 2 at step 10. empty: no values yet.'
  );
  const many = describeChart(
    'return',
    Array.from({ length: 11 }, (_, k) => line(`seed ${k}`, [0, k])),
    stepWords
  );
  expect(many.match(/seed \d+:/g)).toHaveLength(8);
  expect(many.endsWith('and 3 more lines.')).toBe(true);
});

test("every series colour has 3:1 contrast against both themes' backgrounds (WCAG 2.2 non-text contrast)", () => {
  for (const colour of SERIES_COLORS) {
    expect([colour, contrast(colour, '#ffffff') >= 3]).toEqual([colour, true]);
    expect([colour, contrast(colour, '#111111') >= 3]).toEqual([colour, true]);
  }
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21);
});
