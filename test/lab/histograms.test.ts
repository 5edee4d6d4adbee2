/**
 * Histograms in the panel, in jsdom: a card per histogram name with the distribution of a run
 * (TensorBoard's percentile bands) and the histogram at the chosen step, every visible run
 * overlaid; the step follows the panel's selection (a chart click) and the card's slider; the
 * CSV lists each step's percentiles; a plotter of histograms alone shows no "no metrics" note.
 */
import type { HistogramCard } from '../../src/lab/histograms/histogram-card';
import {
  barsAt,
  distributionColumns,
  histogramsCsv,
  stepIndexAtOrBefore,
  withHistogramDetail
} from '../../src/lab/histograms/distributions';
import { SELECT_STEP_EVENT } from '../../src/lab/charts/metric-chart';
import type { HistogramSeries, RunInfo } from '../../src/protocol';
import { mount, payload, series, settle } from './fixtures';

/** A run's weights: 4 buckets over steps 0, 10, 20, spreading out. */
function weights(run: string | undefined, spread: number): HistogramSeries {
  return {
    name: 'weights',
    ...(run ? { run } : {}),
    steps: [0, 10, 20],
    mins: [-1, -2, -3].map(v => v * spread),
    maxes: [1, 2, 3].map(v => v * spread),
    counts: [
      [1, 3, 3, 1],
      [2, 2, 2, 2],
      [4, 0, 0, 4]
    ],
    nonFinite: [
      [0, 0, 0],
      [0, 0, 0],
      [2, 1, 0]
    ],
    totalSteps: 3
  };
}

const RUNS: RunInfo[] = [
  { name: 'a', config: { lr: 1 }, status: 'finished' },
  { name: 'b', config: { lr: 2 }, status: 'finished' }
];

afterEach(() => {
  document.body.innerHTML = '';
});

describe('histogram shaping', () => {
  it("the distribution's columns are the steps and the nine percentiles of each", () => {
    const cols = distributionColumns(weights(undefined, 1));
    expect(cols).toHaveLength(10);
    expect(cols[0]).toEqual([0, 10, 20]);
    expect(cols[1]).toEqual([-1, -2, -3]); // the minimum
    expect(cols[9]).toEqual([1, 2, 3]); // the maximum
    expect(cols[5][0]).toBeCloseTo(0); // the median of a symmetric step
  });

  it("the bars are each bucket's share of the step's finite values; the non-finite are counted apart", () => {
    const b = barsAt(weights(undefined, 1), 2);
    expect(b.edges).toEqual([-3, -1.5, 0, 1.5, 3]);
    expect(b.shares).toEqual([0.5, 0, 0, 0.5]);
    expect(b.nonFinite).toEqual([2, 1, 0]);
    expect(b.values).toBe(11);
  });

  it("a live view's detail stands in for a payload series where it reaches as far; a newer or a new series stays the payload's", () => {
    const payload = [weights('a', 1), weights('b', 1), { ...weights('c', 1), steps: [0, 10, 30] }];
    const detail = [
      { ...weights('a', 1), steps: [0, 5, 10, 15, 20], totalSteps: 5 },
      { ...weights('c', 1), steps: [0, 10, 20] }
    ];
    const shown = withHistogramDetail(payload, detail);
    expect(shown.map(h => [h.run, h.steps.length])).toEqual([
      ['a', 5],
      ['b', 3],
      ['c', 3]
    ]);
    expect(shown[2]).toBe(payload[2]);
    expect(withHistogramDetail(payload, null)).toEqual(payload);
  });

  it('a step picked elsewhere shows the histogram at or before it', () => {
    expect(stepIndexAtOrBefore([0, 10, 20], 15)).toBe(1);
    expect(stepIndexAtOrBefore([0, 10, 20], 20)).toBe(2);
    expect(stepIndexAtOrBefore([0, 10, 20], -5)).toBe(0);
    expect(stepIndexAtOrBefore([0, 10, 20], null)).toBe(2);
    expect(stepIndexAtOrBefore([], 3)).toBe(-1);
  });

  it("the CSV has a row per run and step with its percentiles and its values' counts", () => {
    const csv = histogramsCsv([weights('a', 1)])
      .trim()
      .split('\n');
    expect(csv[0]).toBe('run,name,step,p0,p6.68,p15.87,p30.85,p50,p69.15,p84.13,p93.32,p100,values,nan,posinf,neginf');
    expect(csv).toHaveLength(4);
    expect(csv[3].split(',').slice(0, 3)).toEqual(['a', 'weights', '20']);
    expect(csv[3].split(',').slice(-4)).toEqual(['11', '2', '1', '0']);
  });
});

describe('histogram cards in the panel', () => {
  const withHistograms = () =>
    payload({
      runs: RUNS,
      metrics: RUNS.map(r => ({ ...series('loss', 30), run: r.name })),
      media: [],
      histograms: [weights('a', 1), weights('b', 2)]
    });

  it("one card per name: the first run's distribution as four bands, and the latest step's histogram of both runs", async () => {
    const view = mount(withHistograms());
    await settle();
    const cards = view.querySelectorAll<HistogramCard>('mp-histogram-card');
    expect(cards).toHaveLength(1);
    const card = cards[0];
    const plot = (card as unknown as { plot: { bands: unknown[]; series: unknown[] } }).plot;
    expect(plot.bands).toHaveLength(4);
    expect(plot.series).toHaveLength(10);
    expect([...card.querySelectorAll('.mp-histogram-outline')].map(p => p.getAttribute('data-run'))).toEqual(['a', 'b']);
    expect(card.querySelector('.mp-histogram-bars')!.getAttribute('aria-label')).toBe(
      'Histogram of weights at step 20: a, 11 values; b, 11 values'
    );
    expect(card.querySelector('.mp-distribution')!.getAttribute('aria-label')).toMatch(
      /^Distribution of weights of a over steps 0 to 20: at the last step the median is/
    );
    expect(card.textContent).toContain('a: 2 NaN, 1 +Infinity (not drawn).');
  });

  it('a chart click picks the step in the card; its slider picks another; another run is drawn on demand', async () => {
    const view = mount(withHistograms());
    await settle();
    view
      .querySelector('mp-metric-chart')!
      .dispatchEvent(new CustomEvent(SELECT_STEP_EVENT, { detail: { step: 12 }, bubbles: true }));
    await settle();
    const card = view.querySelector<HistogramCard>('mp-histogram-card')!;
    expect(card.querySelector('.mp-histogram-bars')!.getAttribute('aria-label')).toContain('at step 10:');
    const slider = card.querySelector<HTMLInputElement>('input[type=range]')!;
    slider.value = '0';
    slider.dispatchEvent(new Event('input'));
    await settle();
    expect(card.querySelector('.mp-histogram-bars')!.getAttribute('aria-label')).toContain('at step 0:');
    const select = card.querySelector<HTMLSelectElement>('select')!;
    select.value = 'b';
    select.dispatchEvent(new Event('change'));
    await settle();
    expect(card.querySelector('.mp-distribution')!.getAttribute('aria-label')).toContain('of b over steps');
  });

  it('hiding a run in the table drops it from the histogram; a plotter of histograms alone says nothing of metrics', async () => {
    const view = mount(withHistograms());
    await settle();
    view.querySelector<HTMLInputElement>('.mp-runs-table tr[data-run="b"] input[type=checkbox]')!.click();
    await settle();
    expect([...view.querySelectorAll('.mp-histogram-outline')].map(p => p.getAttribute('data-run'))).toEqual(['a']);
    const alone = mount(
      payload({ metrics: [], media: [], histograms: [weights(undefined, 1), { ...weights(undefined, 1), name: 'actions' }] })
    );
    await settle();
    expect(alone.querySelector('.mp-empty')).toBeNull();
    expect(alone.querySelectorAll('mp-histogram-card')).toHaveLength(2);
    expect(alone.querySelector('.mp-link')).not.toBeNull();
  });

  it('histograms the saved output left out are said to be recorded in the kernel', async () => {
    const view = mount({ ...withHistograms(), omittedHistograms: 12 });
    await settle();
    expect([...view.querySelectorAll('.mp-note')].map(n => n.textContent!.replace(/\s+/g, ' ').trim())).toContain(
      '12 more histograms are recorded in the kernel but not shown: one output has a size budget, and these did not fit. Log fewer histogram names per plotter, or fewer runs of them.'
    );
  });
});
