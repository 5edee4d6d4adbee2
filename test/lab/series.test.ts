import { chartsOf } from '../../src/protocol/charts';
import { formatBytes } from '../../src/protocol/format';
import { alignSeries } from '../../src/lab/charts/align';
import { toCsv } from '../../src/lab/charts/csv';
import { debiasedEma, forLogScale } from '../../src/lab/charts/smoothing';
import { byStep, hasTimes, onXAxis } from '../../src/lab/charts/x-axis';
import { fileStem } from '../../src/lab/download';
import { series } from './fixtures';
import uPlot from 'uplot';
import * as v8 from 'v8';

describe('chartsOf', () => {
  it('puts "group/name" metrics in one chart and others in their own, in first-seen order', () => {
    const groups = chartsOf([
      series('loss/train', 3),
      series('reward', 3),
      series('loss/eval', 3),
      series('/odd', 3),
      series('odd/', 3)
    ]);
    expect(groups.map(g => [g.title, g.metrics.map(m => m.name)])).toEqual([
      ['loss', ['loss/train', 'loss/eval']],
      ['reward', ['reward']],
      ['/odd', ['/odd']],
      ['odd/', ['odd/']]
    ]);
  });
});

describe('debiasedEma (TensorBoard smoothing)', () => {
  it('is not pulled toward zero at the start', () => {
    expect(debiasedEma([5, 5, 5], 0.9)).toEqual([5, 5, 5].map(v => expect.closeTo(v, 10)));
  });
  it('matches the formula by hand', () => {
    // last = 0.6*last + 0.4*v; shown = last / (1 - 0.6^n)
    const out = debiasedEma([0, 10], 0.6);
    expect(out[0]).toBeCloseTo(0, 10);
    expect(out[1]).toBeCloseTo(4 / (1 - 0.36), 10);
  });
  it('keeps gaps as gaps without resetting, and weight 0 returns the data', () => {
    const out = debiasedEma([1, null, 3], 0.5);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo((0.5 * 0.5 + 0.5 * 3) / (1 - 0.25), 10);
    expect(debiasedEma([1, 2, 3], 0)).toEqual([1, 2, 3]);
  });
});

describe('forLogScale', () => {
  it('turns values <= 0 into gaps and counts them', () => {
    expect(forLogScale([1, 0, -2, null, 3])).toEqual({ values: [1, null, null, null, 3], dropped: 2 });
  });
});

describe('alignSeries', () => {
  it('shares the x axis when steps match', () => {
    const a = { steps: [0, 1, 2], values: [1, 2, 3] };
    const b = { steps: [0, 1, 2], values: [4, 5, 6] };
    expect(alignSeries([a, b])).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [4, 5, 6]
    ]);
  });
  it('joins different steps with gaps', () => {
    const data = alignSeries([
      { steps: [0, 2], values: [1, 3] },
      { steps: [1, 2], values: [10, 30] }
    ]);
    expect(Array.from(data[0] as number[])).toEqual([0, 1, 2]);
    expect(Array.from(data[1] as Array<number | null>).map(v => v ?? null)).toEqual([1, null, 3]);
    expect(Array.from(data[2] as Array<number | null>).map(v => v ?? null)).toEqual([null, 10, 30]);
  });
  it('gives what uPlot.join gives: no point is undefined (drawn across), a gap null, a repeated step its last value', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const runs = Array.from({ length: 20 }, () => {
      const steps = Array.from({ length: 300 }, () => Math.floor(random() * 1000)).sort((x, y) => x - y);
      return { steps, values: steps.map(() => (random() < 0.05 ? null : random())) };
    });
    runs.push({ steps: [-2.5, 0.25, 0.25, 2000], values: [1, 2, 3, null] });
    expect(alignSeries(runs)).toEqual(uPlot.join(runs.map(r => [r.steps, r.values] as uPlot.AlignedData)));
  });
  it('runs that do not share their steps go on one grid past two x a column: every extreme kept, in order, within a column', () => {
    // Two runs downsampled each on its own: 1,000 points each at other steps, for a chart of 100 columns.
    const a = {
      steps: Array.from({ length: 1000 }, (_, i) => 2 * i),
      values: Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50))
    };
    const b = { steps: a.steps.map(x => x + 1), values: a.values.map((v, i) => (i === 500 ? 9 : i === 501 ? null : -v)) };
    const [xs, ...columns] = alignSeries([a, b], 100) as Array<Array<number | null | undefined>>;
    expect(xs).toHaveLength(201);
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)).toBe(1999);
    expect(xs.every((x, i) => i === 0 || x! > xs[i - 1]!)).toBe(true);
    expect(xs.every(x => Number.isInteger(x))).toBe(true); // whole steps stay whole
    const numbers = (c: Array<number | null | undefined>): number[] => c.filter((v): v is number => typeof v === 'number');
    expect(Math.max(...numbers(columns[1]))).toBe(9); // the spike of run b
    expect(Math.min(...numbers(columns[0]))).toBe(Math.min(...a.values));
    expect(columns[1].at(-1)).toBe(b.values.at(-1)); // the last point (of run b) at its own step
    // Within a column, the extremes come in the order they were logged.
    const spike = xs.findIndex((_, i) => columns[1][i] === 9);
    expect(Math.abs(xs[spike]! - 1001)).toBeLessThanOrEqual(20);

    // Many runs of few points each: none alone has two x a column, together they do.
    const few = Array.from({ length: 20 }, (_, r) => ({
      steps: Array.from({ length: 15 }, (_, i) => 100 * i + r),
      values: Array.from({ length: 15 }, (_, i) => i + r)
    }));
    const [fewXs, ...fewColumns] = alignSeries(few, 10) as Array<Array<number | null | undefined>>;
    expect(fewXs).toHaveLength(21);
    expect(fewXs.at(-1)).toBe(1419);
    expect(fewColumns[19].at(-1)).toBe(14 + 19);
    expect(Math.min(...numbers(fewColumns[0]))).toBe(0);
  });
  it('keeps the numbers of aligned, smoothed and log-scaled columns unboxed: a hole where a series has no point, not undefined', () => {
    // V8 holds the numbers of an array of numbers and holes unboxed; one `undefined` in it, and
    // every number is an object of its own, collected on each live update (see unboxedColumn).
    v8.setFlagsFromString('--allow-natives-syntax');
    const unboxed = new Function('column', 'return %HasDoubleElements(column)') as (column: unknown) => boolean;
    const run = (offset: number, n: number): { steps: number[]; values: number[] } => ({
      steps: Array.from({ length: n }, (_, i) => 2 * i + offset),
      values: Array.from({ length: n }, (_, i) => Math.sin(i / 7) + 2 + offset)
    });
    // Columns with gaps first: V8 learns from what a place in the code made before (see unboxedColumn).
    const withGap = (offset: number, n: number, at: number): { steps: number[]; values: Array<number | null> } => ({
      ...run(offset, n),
      values: run(offset, n).values.map((v, i) => (i === at ? null : v))
    });
    const gapped = alignSeries([run(0, 50), withGap(1, 50, 3)]);
    expect((gapped[2] as Array<number | null | undefined>).slice(6, 9)).toEqual([undefined, null, undefined]);
    expect((alignSeries([run(0, 1000), withGap(1, 1000, 999)], 100)[2] as unknown[]).at(-1)).toBeNull();
    expect(debiasedEma(gapped[2] as Array<number | null | undefined>, 0.6)[7]).toBeNull();
    expect(forLogScale([1, -1, undefined]).values).toEqual([1, null, undefined]);
    const merged = alignSeries([run(0, 50), run(1, 50)]) as Array<Array<number | null | undefined>>;
    const onGrid = alignSeries([run(0, 1000), run(1, 1000)], 100) as Array<Array<number | null | undefined>>;
    for (const [, ...columns] of [merged, onGrid])
      for (const column of columns) {
        expect(column.every(v => v !== null)).toBe(true);
        expect(unboxed(column)).toBe(true);
        expect(unboxed(debiasedEma(column, 0.6))).toBe(true);
        expect(unboxed(forLogScale(column).values)).toBe(true);
      }
    // A hole reads as undefined: drawn across, as before.
    expect(1 in merged[1]).toBe(false);
    expect(merged[1][1]).toBeUndefined();
  });
  it('smoothing an aligned column equals smoothing the series, then aligning', () => {
    const a = { steps: [0, 2, 4, 6], values: [1, 5, null, 2] };
    const b = { steps: [1, 2, 3], values: [10, 20, 30] };
    const aligned = alignSeries([a, b]);
    const smoothedThenAligned = alignSeries([
      { ...a, values: debiasedEma(a.values, 0.6) },
      { ...b, values: debiasedEma<null>(b.values, 0.6) }
    ]);
    expect(debiasedEma(aligned[1] as Array<number | null | undefined>, 0.6)).toEqual(smoothedThenAligned[1]);
    expect(debiasedEma(aligned[2] as Array<number | null | undefined>, 0.6)).toEqual(smoothedThenAligned[2]);
  });
});

describe('toCsv', () => {
  it('writes a step column, one column per metric, empty cells for gaps, quoted names', () => {
    const a = { ...series('loss, train', 2), values: [0.5, null] };
    const b = { ...series('acc', 3), values: [0.1, 0.2, 0.3] };
    expect(toCsv([a, b])).toBe('step,"loss, train",acc\n0,0.5,0.1\n1,,0.2\n2,,0.3\n');
    // With smoothing, each metric also gets what the chart draws (wandb#5699 asks for it).
    expect(toCsv([b], 0.5).split('\n').slice(0, 3)).toEqual([
      'step,acc,acc (smoothed)',
      '0,0.1,0.1',
      `1,0.2,${(0.5 * 0.05 + 0.5 * 0.2) / 0.75}`
    ]);
  });
});

describe('time axes', () => {
  const startedAt = Date.UTC(2026, 10, 26, 12, 0, 0);
  const loss = { name: 'loss', steps: [0, 10, 20], values: [1, 0.5, 0.25], times: [0, 1500, 90_000], totalPoints: 3 };

  it('draws a series against seconds since the first point, or the clock, each point keeping its step', () => {
    expect(onXAxis([loss], 'relative', startedAt)[0]).toMatchObject({ steps: [0, 1.5, 90], trainingSteps: [0, 10, 20] });
    expect(onXAxis([loss], 'wall', startedAt)[0].steps).toEqual([
      startedAt / 1000,
      startedAt / 1000 + 1.5,
      startedAt / 1000 + 90
    ]);
    expect(onXAxis([loss], 'step', startedAt)[0]).toBe(loss);
    expect(byStep(onXAxis([loss], 'relative', startedAt)[0])).toEqual(loss);
  });

  it('offers time axes only when every series recorded its times (older outputs did not)', () => {
    expect(hasTimes([loss], startedAt)).toBe(true);
    expect(hasTimes([loss], undefined)).toBe(false);
    const { times: _times, ...untimed } = loss;
    expect(hasTimes([loss, { ...untimed, name: 'old' }], startedAt)).toBe(false);
  });

  it('the CSV has a wall_time column in seconds since the epoch, as TensorBoard writes it', () => {
    expect(toCsv([loss], 0, startedAt)).toBe(
      `step,wall_time,loss\n0,${startedAt / 1000}.000,1\n10,${startedAt / 1000 + 1.5}00,0.5\n20,${startedAt / 1000 + 90}.000,0.25\n`
    );
  });
});

describe('formatting', () => {
  it('formats sizes as a file browser does', () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(12_345_678), formatBytes(-1)]).toEqual([
      '999 B',
      '1.5 kB',
      '12 MB',
      '?'
    ]);
  });
  it('makes download file names from titles', () => {
    expect([fileStem('loss/train: v2'), fileStem('///')]).toEqual(['loss_train_v2', 'chart']);
  });
});
