/**
 * Hyperparameters against results: axes by what the values are (linear, log, categories), run
 * summaries, brushes as transitions (drag, keyboard, clear) and the runs they leave out, the rank
 * measure of each key, and in the panel: a brush hides the other runs in the table and every
 * chart, the pointer on a run's row, line or point highlights it in every view.
 */
import type { MetricChart } from '../../src/lab/charts/metric-chart';
import { isHighlighted } from '../../src/lab/runs/run-highlight';
import { brushBetween, brushExtent, keyedBrush, passes, runsBrushedOut, withBrush } from '../../src/lab/sweeps/brushes';
import { importanceOf, rankCorrelationRatio, ranks, spearman } from '../../src/lab/sweeps/importance';
import { summarize, summariesByRun, summaryLabel, type MetricSummary } from '../../src/lab/runs/run-summaries';
import { axisOf, logSpread, positionOf, ticksOf, type AxisValue } from '../../src/lab/sweeps/sweep-axes';
import { sweepAxes } from '../../src/lab/sweeps/sweep-view';
import { HOVER_INTENT_MS } from '../../src/lab/output/panel-element';
import type { MetricSeries, RunInfo } from '../../src/protocol';
import { mount, payload, series, settle } from './fixtures';

/** The values of runs "r0", "r1"…, in order. */
const ofRuns = (...vs: AxisValue[]): Map<string, AxisValue> => new Map(vs.map((v, i) => [`r${i}`, v]));

/** Twelve runs: lr over two decades, an optimizer, a seed; the return rises with lr for adam. */
const RUNS: RunInfo[] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2].flatMap((lr, i) =>
  ['adam', 'sgd'].map(optimizer => ({
    name: `lr=${lr} ${optimizer}`,
    config: { lr, optimizer, seed: i % 2 },
    status: 'finished' as const
  }))
);
const returnOf = (r: RunInfo): number => (r.config.optimizer === 'adam' ? 100 : 50) + 10 * Math.log10(r.config.lr as number);
const METRICS: MetricSeries[] = RUNS.map(r => ({ ...series('return', 20, i => (returnOf(r) * (i + 1)) / 20), run: r.name }));
const LAST: MetricSummary = { metric: 'return', kind: 'last', best: 'max', lastN: 10 };

afterEach(() => {
  document.body.innerHTML = '';
});

/** The pointer rests on a run: the charts fade the others once it has (HOVER_INTENT_MS). */
async function rest(): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, HOVER_INTENT_MS + 20));
  await settle();
}

/** A key pressed on an axis of the sweep view (by its id), then the view settled. */
async function press(view: HTMLElement, axis: string, key: string): Promise<void> {
  view.querySelector(`.mp-axis[data-axis="${axis}"]`)!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  await settle();
}

/** The sweep view starts folded (the charts come first): open it, as a click on its title does. */
async function opened(view: HTMLElement): Promise<HTMLElement> {
  await settle();
  view.querySelector<HTMLButtonElement>('.mp-sweep .mp-chart-title')!.click();
  await settle();
  return view;
}

describe('sweep axes', () => {
  it('numbers spread evenly in log space over a decade or more are a log axis; others linear; text and booleans categories', () => {
    expect(logSpread([1e-4, 3e-4, 1e-3, 3e-3])).toBe(true);
    expect(logSpread([0.1, 0.3, 1])).toBe(true);
    expect(logSpread([10, 20, 30, 400])).toBe(true);
    expect(logSpread([1, 50, 100])).toBe(false);
    expect(logSpread([1, 2, 3])).toBe(false);
    expect(logSpread([0, 1e-3, 1])).toBe(false);
    expect(axisOf('a', 'lr', ofRuns(1e-4, 1e-3, 1e-2)).scale).toBe('log');
    expect(axisOf('a', 'seed', ofRuns(0, 1, 2)).scale).toBe('linear');
    const opt = axisOf('a', 'optimizer', ofRuns('sgd', 'adam', 'sgd'));
    expect(opt).toMatchObject({ scale: 'category', categories: ['adam', 'sgd'] });
    expect(axisOf('a', 'bn', ofRuns(true, false)).categories).toEqual(['false', 'true']);
  });

  it('a value has a position from 0 (bottom) to 1 (top); a run without one has none', () => {
    const lr = axisOf('a', 'lr', ofRuns(1e-4, 1e-3, 1e-2));
    expect(positionOf(lr, 1e-3)).toBeCloseTo(0.5);
    expect(positionOf(lr, undefined)).toBeNull();
    const opt = axisOf('a', 'optimizer', ofRuns('adam', 'rmsprop', 'sgd'));
    expect(['adam', 'rmsprop', 'sgd'].map(v => positionOf(opt, v))).toEqual([0, 0.5, 1]);
    expect(positionOf(axisOf('a', 'k', ofRuns(3, 3)), 3)).toBe(0.5);
  });

  it('ticks are round numbers with the ends, whole numbers for whole values; a log axis ticks its powers of ten, each in its own format', () => {
    const lin = axisOf('a', 'return', ofRuns(3, 97));
    expect(ticksOf(lin).map(t => t.label)).toEqual(['3', '20', '40', '60', '80', '97']);
    const log = axisOf('a', 'lr', ofRuns(1e-4, 1e-3, 1e-2));
    expect(ticksOf(log).map(t => t.label)).toEqual(['1e-4', '0.001', '0.01']);
    for (const t of [...ticksOf(lin), ...ticksOf(log)]) expect(t.position).toBeGreaterThanOrEqual(0);
    expect(ticksOf(axisOf('a', 'seed', ofRuns(0, 1, 2))).map(t => t.label)).toEqual(['0', '1', '2']);
  });
});

describe('run summaries', () => {
  it('last, best (lowest or highest) and the mean of the last N finite values', () => {
    const v = [5, null, 1, 3, NaN, 2];
    expect(summarize(v, { ...LAST, kind: 'last' })).toBe(2);
    expect(summarize(v, { ...LAST, kind: 'best', best: 'min' })).toBe(1);
    expect(summarize(v, { ...LAST, kind: 'best', best: 'max' })).toBe(5);
    expect(summarize(v, { ...LAST, kind: 'mean of last', lastN: 3 })).toBe(2);
    expect(summarize([null], LAST)).toBeNull();
    expect(summaryLabel({ ...LAST, kind: 'mean of last' })).toBe('return (mean of last 10)');
    expect(summaryLabel({ ...LAST, kind: 'best', best: 'min' })).toBe('return (lowest)');
    expect(summariesByRun(METRICS, LAST).get(RUNS[0].name)).toBeCloseTo(returnOf(RUNS[0]));
  });
});

describe('brushes', () => {
  const axes = sweepAxes(RUNS, METRICS, [LAST]);
  const lr = axes.find(a => a.label === 'lr')!;
  const opt = axes.find(a => a.label === 'optimizer')!;
  const names = RUNS.map(r => r.name);

  it('one axis per differing config key, then one per metric summary', () => {
    expect(axes.map(a => [a.label, a.scale])).toEqual([
      ['lr', 'log'],
      ['optimizer', 'category'],
      ['seed', 'linear'],
      ['return (last)', 'linear']
    ]);
  });

  it('a dragged range keeps values (log space on a log axis); a category brush keeps the categories it covers', () => {
    const b = brushBetween(lr, 0.6, 1)!;
    expect('lo' in b && b.lo).toBeCloseTo(10 ** (-4 + 0.6 * Math.log10(300)), 6);
    expect(passes(lr, b, 'lr=0.01 adam')).toBe(true);
    expect(passes(lr, b, 'lr=0.0001 adam')).toBe(false);
    expect(brushBetween(opt, 0.9, 1)).toEqual({ categories: ['sgd'] });
    expect(brushBetween(opt, 0, 1)).toEqual({ categories: ['adam', 'sgd'] });
    expect(brushExtent(opt, { categories: ['sgd'] })).toEqual({ from: 0.5, to: 1 });
  });

  it('the runs outside any brush are left out; brushes on two axes leave out either', () => {
    let brushes = withBrush(new Map(), lr.id, brushBetween(lr, 0.6, 1));
    expect([...runsBrushedOut(names, axes, brushes)].sort()).toEqual(names.filter(n => !/lr=0\.0(1|3) /.test(n)).sort());
    brushes = withBrush(brushes, opt.id, { categories: ['adam'] });
    expect(names.filter(n => !runsBrushedOut(names, axes, brushes).has(n))).toEqual(['lr=0.01 adam', 'lr=0.03 adam']);
    expect(runsBrushedOut(names, axes, withBrush(brushes, lr.id, null)).size).toBe(6);
    expect(runsBrushedOut(names, axes, new Map()).size).toBe(0);
  });

  it('by keyboard: an arrow brushes the top quarter, arrows move it, Shift resizes it, Escape clears it', () => {
    const first = keyedBrush(lr, undefined, 'ArrowDown', false)!;
    expect(brushExtent(lr, first).from).toBeCloseTo(0.75);
    const moved = keyedBrush(lr, first, 'ArrowDown', false)!;
    expect(brushExtent(lr, moved).from).toBeCloseTo(0.7);
    expect(brushExtent(lr, moved).to).toBeCloseTo(0.95);
    const grown = keyedBrush(lr, moved, 'ArrowUp', true)!;
    expect(brushExtent(lr, grown).to).toBeCloseTo(1);
    expect(brushExtent(lr, grown).from).toBeCloseTo(0.7);
    expect(keyedBrush(lr, grown, 'Escape', false)).toBeNull();
    expect(keyedBrush(lr, undefined, 'Escape', false)).toBeUndefined();
    expect(keyedBrush(lr, grown, 'a', false)).toBeUndefined();
    // A category axis moves a category at a time, and no further than its ends.
    const top = keyedBrush(opt, undefined, 'ArrowUp', false)!;
    expect(top).toEqual({ categories: ['sgd'] });
    expect(keyedBrush(opt, top, 'ArrowUp', false)).toEqual({ categories: ['sgd'] });
    expect(keyedBrush(opt, top, 'ArrowDown', false)).toEqual({ categories: ['adam'] });
  });
});

describe('how much a key matters', () => {
  it('ranks share ties; Spearman is 1 for any rising relation, −1 for a falling one, null below four runs or without spread', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(spearman([1, 2, 3], [1, 2, 3])).toBeNull();
    expect(spearman([1, 1, 1, 1], [1, 2, 3, 4])).toBeNull();
    expect(rankCorrelationRatio(['a', 'a', 'b', 'b'], [1, 2, 3, 4])).toBeCloseTo(Math.sqrt(0.8));
    expect(rankCorrelationRatio(['a', 'b', 'a', 'b'], [1, 1, 1, 1])).toBeNull();
  });

  it('over the sweep: the optimizer (η) and lr (ρ) matter, the seed hardly; strongest first', () => {
    const axes = sweepAxes(RUNS, METRICS, [LAST]);
    const summary = axes[3].values as Map<string, number>;
    const measured = importanceOf(
      axes.slice(0, 3).map(a => ({ key: a.label, values: a.values })),
      summary
    );
    expect(measured.map(m => [m.key, m.measure])).toEqual([
      ['optimizer', 'eta'],
      ['lr', 'spearman'],
      ['seed', 'spearman']
    ]);
    expect(measured[0].value!).toBeGreaterThan(0.8);
    expect(measured[1].value!).toBeGreaterThan(0.3);
    expect(Math.abs(measured[2].value!)).toBeLessThan(0.2);
    expect(measured.every(m => m.runs === 12)).toBe(true);
  });
});

describe('the sweep view in the panel', () => {
  const sweep = () => payload({ runs: RUNS, metrics: METRICS, media: [] });

  it('starts folded to its title; opened, draws a line per run across an axis per differing key and the summary, and the measure of each key', async () => {
    const view = mount(sweep());
    await settle();
    expect(view.querySelector('.mp-sweep .mp-chart-title')!.getAttribute('aria-expanded')).toBe('false');
    expect(view.querySelector('.mp-sweep .mp-hint')!.textContent).toBe('3 keys over 12 runs');
    expect(view.querySelector('.mp-parcoords')).toBeNull();
    await opened(view);
    const lines = view.querySelectorAll('mp-sweep-view .mp-sweep-line');
    expect(lines).toHaveLength(12);
    expect([...view.querySelectorAll('mp-sweep-view .mp-axis')].map(a => a.getAttribute('data-axis'))).toEqual([
      'config:lr',
      'config:optimizer',
      'config:seed',
      'metric:return (last)'
    ]);
    expect([...view.querySelectorAll('.mp-importance tbody tr')].map(r => r.getAttribute('data-key'))).toEqual([
      'optimizer',
      'lr',
      'seed'
    ]);
    expect(view.querySelectorAll('mp-sweep-view .mp-scatter-point')).toHaveLength(12);
  });

  it('a brush (here by keyboard on the optimizer axis) hides the other runs in the table and every chart; Escape shows them again', async () => {
    const view = mount(sweep());
    await opened(view);
    // The top quarter is sgd; down once more: adam.
    await press(view, 'config:optimizer', 'ArrowDown');
    await press(view, 'config:optimizer', 'ArrowDown');
    const hiddenRows = [...view.querySelectorAll('.mp-runs-table tr.mp-run-hidden')].map(r => r.getAttribute('data-run'));
    expect(hiddenRows.sort()).toEqual(
      RUNS.filter(r => r.config.optimizer === 'sgd')
        .map(r => r.name)
        .sort()
    );
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    expect(chart.uplot!.series.slice(1).map(s => s.label)).toEqual(
      RUNS.filter(r => r.config.optimizer === 'adam').map(r => r.name)
    );
    expect(view.querySelectorAll('.mp-sweep-line.mp-sweep-line-hidden')).toHaveLength(6);
    expect(view.querySelector('.mp-axis[data-axis="config:optimizer"]')!.getAttribute('aria-label')).toContain('brushed to adam');
    await press(view, 'config:optimizer', 'Escape');
    expect(view.querySelectorAll('.mp-runs-table tr.mp-run-hidden')).toHaveLength(0);
    expect(chart.uplot!.series.slice(1)).toHaveLength(12);
  });

  it('the pointer on a run (its row, its line, its point) highlights it everywhere: the other chart lines fade once it rests', async () => {
    const view = mount(sweep());
    await opened(view);
    const run = RUNS[4].name;
    view.querySelector(`.mp-parcoords g[data-run="${run}"]`)!.dispatchEvent(new Event('pointerenter'));
    await settle();
    expect(view.querySelector('.mp-runs-table tr.mp-run-highlight')?.getAttribute('data-run')).toBe(run);
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    // The charts fade the other runs once the pointer rests on it.
    expect(chart.uplot!.series.slice(1).every(s => s.alpha === 1)).toBe(true);
    await rest();
    expect(view.querySelector('.mp-sweep-line-highlight')?.closest('g')?.getAttribute('data-run')).toBe(run);
    expect(view.querySelector('.mp-scatter-point.mp-sweep-line-highlight')?.getAttribute('data-run')).toBe(run);
    const alphas = chart.uplot!.series.slice(1).map(s => [s.label, s.alpha]);
    expect(alphas.filter(([, a]) => a === 1)).toEqual([[run, 1]]);
    // Leaving the table's rows ends it.
    view.querySelector(`.mp-runs-table tr[data-run="${RUNS[1].name}"]`)!.dispatchEvent(new Event('mouseenter'));
    await settle();
    expect(view.querySelector('.mp-runs-table tr.mp-run-highlight')?.getAttribute('data-run')).toBe(RUNS[1].name);
    view.querySelector('.mp-runs-table tbody')!.dispatchEvent(new Event('mouseleave'));
    await rest();
    expect(view.querySelector('.mp-run-highlight')).toBeNull();
    expect(chart.uplot!.series.slice(1).every(s => s.alpha === 1)).toBe(true);
  });

  it('while brushed, a run that comes outside the brush is hidden too; "Show all runs" in the table drops the brushes', async () => {
    const some = RUNS.filter(r => r.config.lr !== 3e-2);
    const view = mount(payload({ runs: some, metrics: METRICS.filter(m => some.some(r => r.name === m.run)), media: [] }));
    await opened(view);
    await press(view, 'config:optimizer', 'ArrowUp'); // the top category: sgd
    expect(view.hiddenRuns.size).toBe(5);
    view.payload = payload({ runs: RUNS, metrics: METRICS, media: [] });
    await settle();
    expect([...view.hiddenRuns].sort()).toEqual(
      RUNS.filter(r => r.config.optimizer === 'adam')
        .map(r => r.name)
        .sort()
    );
    view.querySelector<HTMLButtonElement>('button[data-action="all-runs"]')!.click();
    await settle();
    expect(view.hiddenRuns.size).toBe(0);
    expect(view.querySelector('.mp-brush')).toBeNull();
    expect(view.querySelector('button[data-action="clear-brushes"]')).toBeNull();
  });

  it("grouped, a run's highlight covers its group's mean and band", () => {
    const h = { run: 'a', group: 'lr=1e-3' };
    expect(isHighlighted({ run: 'a', role: 'member' }, h)).toBe(true);
    expect(isHighlighted({ run: 'b', role: 'member' }, h)).toBe(false);
    expect(isHighlighted({ run: 'x', role: 'mean', runGroup: 'group\u0001lr=1e-3\u0000loss' }, h)).toBe(true);
    expect(isHighlighted({ run: 'x', role: 'upper', runGroup: 'group\u0001lr=3e-4\u0000loss' }, h)).toBe(false);
    expect(isHighlighted({ run: 'a' }, h)).toBe(true);
  });

  it('runs whose configs do not differ have no sweep view', async () => {
    const view = mount(payload({ runs: RUNS.map(r => ({ ...r, config: { seed: 0 } })), metrics: METRICS, media: [] }));
    await settle();
    expect(view.querySelector('mp-sweep-view .mp-sweep')).toBeNull();
  });
});
