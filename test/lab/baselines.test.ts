/**
 * Baselines kept in the notebook: a pinned run's series thinned within its byte bound, the
 * notebook's bound refusing with what to do, the metadata read whatever it holds, and in the panel:
 * pinning from the runs table or the default run's button, the dashed lines and the table, unpin,
 * `plotter.pin()` requests pinned once, every output of the notebook hearing of it, and no pin
 * outside a notebook. The notebook here is an object with JupyterLab's notebook-model metadata API
 * (getMetadata, setMetadata, metadataChanged); the e2e test (test/e2e/baselines.test.ts) uses
 * JupyterLab's own.
 */
import { Signal } from '@lumino/signaling';
import type { MetricChart } from '../../src/lab/charts/metric-chart';
import { contrast } from '../../src/protocol/charts';
import {
  BASELINE_BYTES,
  BASELINE_COLOURS,
  NOTEBOOK_BASELINES_BYTES,
  NOTEBOOK_METADATA_KEY,
  NO_BASELINES,
  baselineOf,
  jsonBytes,
  readNotebookBaselines,
  withPinned,
  type Baseline
} from '../../src/lab/baselines/baselines';
import { BASELINES_REQUEST_EVENT, metadataStore, type BaselinesRequest } from '../../src/lab/baselines/notebook-store';
import type { MetricSeries, PlotterPayload, RunInfo } from '../../src/protocol';
import { mount, payload, series, settle } from './fixtures';

const RUNS: RunInfo[] = [
  { name: 'lr=0.1', config: { lr: 0.1 }, status: 'finished' },
  { name: 'lr=0.3', config: { lr: 0.3 }, status: 'finished' }
];
const METRICS: MetricSeries[] = RUNS.flatMap((r, k) => [
  { ...series('loss', 200, i => (k + 1) / (i + 1)), run: r.name },
  { ...series('return', 200, i => i * (k + 1)), run: r.name }
]);

/** A notebook's metadata as JupyterLab's notebook model has it. */
class Notebook {
  readonly metadata = new Map<string, unknown>();
  readonly metadataChanged = new Signal<this, unknown>(this);
  getMetadata(key: string): unknown {
    return this.metadata.get(key);
  }
  setMetadata(key: string, value: unknown): void {
    // JupyterLab keeps a JSON copy.
    this.metadata.set(key, JSON.parse(JSON.stringify(value)));
    this.metadataChanged.emit({ key });
  }
  get baselines(): Baseline[] {
    return readNotebookBaselines(this.getMetadata(NOTEBOOK_METADATA_KEY)).baselines;
  }
}

/** The page's answer to an output's request, as the plugin gives it: here, every output is in `notebook`. */
function inNotebook(notebook: Notebook): () => void {
  const store = metadataStore(notebook);
  const answer = (e: Event): void => (e as CustomEvent<BaselinesRequest>).detail.provide(store);
  document.addEventListener(BASELINES_REQUEST_EVENT, answer);
  return () => document.removeEventListener(BASELINES_REQUEST_EVENT, answer);
}

let leave: (() => void) | null = null;
afterEach(() => {
  leave?.();
  leave = null;
  document.body.innerHTML = '';
});

const sweep = (overrides: Partial<PlotterPayload> = {}): PlotterPayload =>
  payload({ title: 'sweep', runs: RUNS, metrics: METRICS, media: [], ...overrides });

const chartLabels = (view: HTMLElement, i = 0): string[] =>
  view
    .querySelectorAll<MetricChart>('mp-metric-chart')
    [i].uplot!.series.slice(1)
    .map(s => String(s.label));

describe('a baseline and its bounds', () => {
  it("keeps one run's series and config, thinned to fit its bound, the first and last points kept, six digits a value", () => {
    const long: MetricSeries[] = Array.from({ length: 10 }, (_, k) => ({
      ...series(`m${k}`, 100_000, i => Math.sin(i / 1000) * Math.PI),
      run: 'a'
    }));
    const b = baselineOf(
      { run: 'a', config: { lr: 0.1 }, from: 'sweep', metrics: [...long, { ...series('m0', 10), run: 'other' }] },
      { id: 'x', pinnedAt: '2026-12-06T10:00:00.000Z' }
    )!;
    expect(jsonBytes(b)).toBeLessThanOrEqual(BASELINE_BYTES);
    expect(b.series.map(s => s.name)).toEqual(long.map(m => m.name));
    expect(b.label).toBe('a');
    expect(b.config).toEqual({ lr: 0.1 });
    expect(b.omittedMetrics).toBeUndefined();
    const s = b.series[0];
    expect(s.steps[0]).toBe(0);
    expect(s.steps[s.steps.length - 1]).toBe(99_999);
    expect(s.steps.length).toBeGreaterThan(24);
    expect(s.values.every(v => v === null || String(Math.abs(v)).replace(/^0\.0*|\./g, '').length <= 6)).toBe(true);
  });

  it('a run of more metrics than fit keeps those that do and says how many it left out; a run without points is none', () => {
    const many: MetricSeries[] = Array.from({ length: 300 }, (_, k) => ({
      ...series(`metric-${k}`, 1000, i => i / 7),
      run: 'a'
    }));
    const b = baselineOf({ run: 'a', config: {}, from: 't', metrics: many }, { id: 'x', pinnedAt: 'now' })!;
    expect(jsonBytes(b)).toBeLessThanOrEqual(BASELINE_BYTES);
    expect(b.series.length).toBeGreaterThan(0);
    expect(b.series.length + b.omittedMetrics!).toBe(300);
    expect(baselineOf({ run: 'b', config: {}, from: 't', metrics: many }, { id: 'x', pinnedAt: 'now' })).toBeNull();
  });

  it("pinning the same label from an output of the same title replaces it; past the notebook's bound it is refused, saying what to do", () => {
    const big = (id: string, label: string): Baseline => ({
      id,
      label,
      from: 'sweep',
      pinnedAt: '2026-12-06T10:00:00.000Z',
      config: {},
      series: [
        { name: 'loss', steps: Array.from({ length: 1400 }, (_, i) => i), values: Array.from({ length: 1400 }, (_, i) => i / 3) }
      ]
    });
    expect(jsonBytes(big('a', 'a'))).toBeGreaterThan(NOTEBOOK_BASELINES_BYTES / 4);
    let store = NO_BASELINES;
    for (const label of ['a', 'b', 'c']) {
      const r = withPinned(store, big(label, label));
      expect(r.ok).toBe(true);
      store = r.next;
    }
    const again = withPinned(store, big('a2', 'a'));
    expect(again.ok && again.replaced?.id).toBe('a');
    expect(again.next.baselines.map(b => b.id)).toEqual(['b', 'c', 'a2']);
    const refused = withPinned(store, big('d', 'd'), 'request-1');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatch(
      /Could not pin "d": this notebook's baselines would take \d+ kB, over the 96 kB .* Unpin a baseline first/
    );
    // Refused, the request is still done: it is not tried again at every render.
    expect(refused.next.baselines).toEqual(store.baselines);
    expect(refused.next.pinRequestsDone).toEqual(['request-1']);
  });

  it('the metadata is read whatever it holds: nothing, junk, entries this version cannot read (skipped)', () => {
    expect(readNotebookBaselines(undefined)).toEqual(NO_BASELINES);
    expect(readNotebookBaselines('junk')).toEqual(NO_BASELINES);
    const read = readNotebookBaselines({
      version: 2,
      baselines: [
        {
          id: 'ok',
          label: 'a',
          from: 't',
          pinnedAt: 'x',
          config: { lr: 1, nested: { no: 1 } },
          series: [{ name: 'loss', steps: [0, 1], values: [1, null] }]
        },
        { id: 'bad', label: 'b' },
        { id: 'short', label: 'c', pinnedAt: 'x', series: [{ name: 'loss', steps: [0, 1], values: [1] }] }
      ],
      pinRequestsDone: ['r1', 7]
    });
    expect(read.baselines.map(b => [b.id, b.config, b.series.length])).toEqual([
      ['ok', { lr: 1 }, 1],
      ['short', {}, 0]
    ]);
    expect(read.pinRequestsDone).toEqual(['r1']);
  });
});

it("every baseline colour has 3:1 contrast against both themes' backgrounds, as the series colours", () => {
  for (const colour of BASELINE_COLOURS)
    expect([colour, contrast(colour, '#ffffff') >= 3, contrast(colour, '#111111') >= 3]).toEqual([colour, true, true]);
});

describe('baselines in the panel', () => {
  it('a run pinned from the runs table is kept in the notebook and drawn dashed in the charts of its metrics; Unpin removes it', async () => {
    const notebook = new Notebook();
    leave = inNotebook(notebook);
    const view = mount(sweep());
    await settle();
    view.querySelector<HTMLButtonElement>('.mp-runs-table tr[data-run="lr=0.3"] button[data-action="pin"]')!.click();
    await settle();
    expect(notebook.baselines.map(b => [b.label, b.from, b.config])).toEqual([['lr=0.3', 'sweep', { lr: 0.3 }]]);
    expect(view.querySelector('.mp-baseline-note')!.textContent).toMatch(
      /^Pinned "lr=0\.3" as a baseline of this notebook \(\d+ kB/
    );
    const labels = chartLabels(view);
    expect(labels.slice(0, 2)).toEqual(['lr=0.1', 'lr=0.3']);
    expect(labels[2]).toMatch(/^lr=0\.3 \(baseline, \w+ \d+\)$/);
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    expect((chart.uplot!.series[3] as { dash?: number[] }).dash?.length).toBe(2);
    expect(view.querySelector('.mp-baselines-table tbody tr')!.textContent).toContain('lr=0.3');
    // The table's toggle hides it in this output; the notebook keeps it.
    view.querySelector<HTMLInputElement>('.mp-baselines-table input[type="checkbox"]')!.click();
    await settle();
    expect(chartLabels(view)).toEqual(['lr=0.1', 'lr=0.3']);
    expect(notebook.baselines).toHaveLength(1);
    view.querySelector<HTMLButtonElement>('.mp-baselines-table button[data-action="unpin"]')!.click();
    await settle();
    expect(notebook.baselines).toEqual([]);
    expect(view.querySelector('mp-baselines-table')).toBeNull();
  });

  it('another output of the notebook (a re-run, another plotter) draws the baseline in its charts of the same metric; the default run has a pin button', async () => {
    const notebook = new Notebook();
    leave = inNotebook(notebook);
    const first = mount(sweep());
    await settle();
    first.querySelector<HTMLButtonElement>('.mp-runs-table tr[data-run="lr=0.1"] button[data-action="pin"]')!.click();
    // A plotter without runs: its own logging of "loss" and "accuracy".
    const second = mount(
      payload({ title: 'tomorrow', metrics: [series('loss', 50, i => 0.5 / (i + 1)), series('accuracy', 50)], media: [] })
    );
    await settle();
    expect(second.querySelectorAll('mp-metric-chart')).toHaveLength(2);
    const lossChart = [...second.querySelectorAll<MetricChart>('mp-metric-chart')].find(c => c.chart.title === 'loss')!;
    expect(lossChart.uplot!.series.slice(1).map(s => String(s.label))).toEqual([
      'loss',
      expect.stringMatching(/^lr=0\.1 \(baseline/)
    ]);
    second.querySelector<HTMLButtonElement>('.mp-controls button[data-action="pin"]')!.click();
    await settle();
    expect(notebook.baselines.map(b => [b.label, b.from])).toEqual([
      ['lr=0.1', 'sweep'],
      ['default', 'tomorrow']
    ]);
    // The first output heard of it.
    expect(first.querySelectorAll('.mp-baselines-table tbody tr')).toHaveLength(2);
  });

  it('`plotter.pin()` requests are pinned once: a saved output shown again pins nothing, even after an unpin', async () => {
    const notebook = new Notebook();
    leave = inNotebook(notebook);
    const asked = sweep({
      pins: [
        { id: 'p-1', run: 'lr=0.3', label: 'before the fix' },
        { id: 'p-2', run: 'lr=0.1' }
      ]
    });
    const view = mount(asked);
    await settle();
    expect(notebook.baselines.map(b => b.label)).toEqual(['before the fix', 'lr=0.1']);
    expect(view.querySelector('.mp-baseline-note')!.textContent).not.toContain('replaces');
    for (const unpin of view.querySelectorAll<HTMLButtonElement>('.mp-baselines-table button[data-action="unpin"]'))
      unpin.click();
    await settle();
    view.remove();
    mount(asked);
    await settle();
    expect(notebook.baselines).toEqual([]);
  });

  it('an output in no notebook (Voilà, a view of its own) has no pin, draws no baselines, and says a plotter.pin() is not carried out', async () => {
    const view = mount(sweep({ pins: [{ id: 'p-1', run: 'lr=0.3' }] }));
    await settle();
    expect(view.querySelector('button[data-action="pin"]')).toBeNull();
    expect(view.querySelector('mp-baselines-table')).toBeNull();
    expect(chartLabels(view)).toEqual(['lr=0.1', 'lr=0.3']);
    // What `plotter.pin()` asked for is said to be not carried out here, rather than dropped unsaid.
    expect(view.querySelector('.mp-pin-note')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'plotter.pin() keeps a baseline in its notebook, and this output is in none (a Voilà dashboard, an output in a view of its own): its pin is not carried out here. Pin from the notebook in JupyterLab.'
    );
  });
});
