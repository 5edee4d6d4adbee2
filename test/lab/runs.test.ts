/**
 * Runs in the panel, in jsdom: every chart overlays the visible runs in one colour per run, the runs
 * table shows each run's status, differing config and the picked metric's last and best values,
 * hides and isolates runs, sorts and filters; CSVs carry the run and its config; streamed series of
 * two runs with one metric name stay apart.
 */
import type { MetricChart } from '../../src/lab/charts/metric-chart';
import { colourByRun, runColours, seriesColor } from '../../src/protocol/charts';
import { toCsv } from '../../src/lab/charts/csv';
import { groupMedia } from '../../src/lab/media/media-series';
import { GROUP_POINTS, aggregateRuns, groupedSeries } from '../../src/lab/runs/aggregate';
import { differingConfigKeys } from '../../src/lab/runs/configs';
import { groupRuns } from '../../src/lab/runs/run-groups';
import { LiveSeries } from '../../src/lab/live/live-series';
import { bestOf } from '../../src/lab/runs/runs-table';
import type { RunInfo, MetricSeries } from '../../src/protocol';
import '../../src/lab/output/panel-element';
import { mount, payload, series, settle, video } from './fixtures';

const RUNS: RunInfo[] = [
  { name: 'lr=1e-3 seed=0', config: { lr: 1e-3, seed: 0, optimizer: 'adam' }, status: 'finished' },
  { name: 'lr=1e-3 seed=1', config: { lr: 1e-3, seed: 1, optimizer: 'adam' }, status: 'running' },
  { name: 'lr=3e-4 seed=0', config: { lr: 3e-4, seed: 0, optimizer: 'adam' }, status: 'failed' }
];

const ofRun = (run: string, m: MetricSeries): MetricSeries => ({ ...m, run });

function sweep(): ReturnType<typeof payload> {
  return payload({
    runs: RUNS,
    metrics: RUNS.flatMap((r, k) => [
      ofRun(
        r.name,
        series('loss', 40, i => (k + 1) / (i + 1))
      ),
      ofRun(
        r.name,
        series('reward', 40, i => i * (k + 1))
      )
    ]),
    media: [
      { ...video('rollout', 0), run: RUNS[0].name, path: 'assets/x/a.mp4' },
      { ...video('rollout', 0), run: RUNS[1].name, path: 'assets/x/b.mp4' }
    ]
  });
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('runs in the panel', () => {
  it('each chart overlays every run, one colour per run in every chart, labelled by run', async () => {
    const view = mount(sweep());
    await settle();
    const charts = [...view.querySelectorAll<MetricChart>('mp-metric-chart')];
    expect(charts.map(c => c.querySelector('.mp-chart-name')?.textContent)).toEqual(['loss', 'reward']);
    for (const chart of charts) {
      const drawn = chart.uplot!.series.slice(1);
      expect(drawn.map(s => s.label)).toEqual(RUNS.map(r => r.name));
    }
    // The same three colours in the runs table and in every chart's legend, in run order.
    const swatches = (root: Element) => [...root.querySelectorAll<HTMLElement>('.mp-swatch')].map(e => e.style.background);
    const table = swatches(view.querySelector('mp-runs-table')!);
    expect(new Set(table).size).toBe(3);
    for (const chart of charts) expect(swatches(chart.querySelector('.mp-legend')!)).toEqual(table);
  });

  it('a chart of a few runs draws them 1.5 px wide, of more than four 1 px (thin lines read overlaid, and draw faster)', async () => {
    const many: RunInfo[] = Array.from({ length: 5 }, (_, k) => ({ name: `seed ${k}`, config: { seed: k }, status: 'running' }));
    const width = async (runs: RunInfo[]): Promise<number[]> => {
      document.body.innerHTML = '';
      const view = mount(payload({ runs, metrics: runs.map(r => ofRun(r.name, series('loss', 40))), media: [] }));
      await settle();
      return view
        .querySelector<MetricChart>('mp-metric-chart')!
        .uplot!.series.slice(1)
        .map(s => s.width!);
    };
    expect(await width(RUNS)).toEqual([1.5, 1.5, 1.5]);
    expect(await width(many)).toEqual([1, 1, 1, 1, 1]);
  });

  it('the runs table shows status, the config that differs, and the picked metric; hiding and "only" redraw every chart', async () => {
    const view = mount(sweep());
    await settle();
    const headers = [...view.querySelectorAll('.mp-runs-table th')].map(th => th.textContent?.trim());
    expect(headers).toEqual(['Shown', 'Run ▴', 'Status', 'lr', 'seed', 'loss (last)', 'loss (best)', 'Actions']);
    const rows = [...view.querySelectorAll<HTMLTableRowElement>('.mp-runs-table tbody tr')];
    expect(rows.map(r => [...r.cells].slice(1, 7).map(c => c.textContent?.trim()))).toEqual([
      ['lr=1e-3 seed=0', 'finished', '0.001', '0', '0.025', '0.025'],
      ['lr=1e-3 seed=1', 'running', '0.001', '1', '0.05', '0.05'],
      ['lr=3e-4 seed=0', 'failed', '3e-4', '0', '0.075', '0.075']
    ]);
    // Hide the second run: every chart draws the other two.
    const toggle = rows[1].querySelector<HTMLInputElement>('input[type=checkbox]')!;
    toggle.checked = false;
    toggle.dispatchEvent(new Event('change'));
    await settle();
    for (const chart of view.querySelectorAll<MetricChart>('mp-metric-chart'))
      expect(chart.uplot!.series.slice(1).map(s => s.label)).toEqual([RUNS[0].name, RUNS[2].name]);
    // Its media card goes too.
    expect([...view.querySelectorAll('.mp-media-run')].map(e => e.textContent)).toEqual([RUNS[0].name]);
    // "only" the third run; again, all runs.
    view.querySelectorAll<HTMLButtonElement>('.mp-runs-table button[data-action=only]')[2].click();
    await settle();
    expect(
      view
        .querySelector<MetricChart>('mp-metric-chart')!
        .uplot!.series.slice(1)
        .map(s => s.label)
    ).toEqual([RUNS[2].name]);
    view.querySelectorAll<HTMLButtonElement>('.mp-runs-table button[data-action=only]')[2].click();
    await settle();
    expect(view.querySelector<MetricChart>('mp-metric-chart')!.uplot!.series).toHaveLength(4);
  });

  it('hovering a chart of runs lists them by their value at that step, highest first, with their colours', async () => {
    const view = mount(sweep());
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!; // loss: run k is (k + 1) / (i + 1)
    const order = () =>
      [...chart.querySelectorAll('.mp-legend .mp-toggle')].map(e => e.textContent?.replace(/\s+/g, ' ').trim().split(' ')[0]);
    expect(order()).toEqual(['lr=1e-3', 'lr=1e-3', 'lr=3e-4']); // not hovered: in run order
    chart.hoverIdx = 3;
    await settle();
    const labels = [...chart.querySelectorAll('.mp-legend .mp-toggle')].map(e => e.textContent?.replace(/\s+/g, ' ').trim());
    expect(labels.map(l => l!.split(' ').slice(0, 2).join(' '))).toEqual(['lr=3e-4 seed=0', 'lr=1e-3 seed=1', 'lr=1e-3 seed=0']);
    expect(labels[0]).toContain('0.75');
  });

  it('a media name is one card with a tile per run, each at its nearest step at or before the one chosen', async () => {
    const at = (run: string, step: number, file: string) => ({ ...video('rollout', step), run, path: `assets/x/${file}.mp4` });
    const p = payload({
      runs: RUNS,
      metrics: RUNS.map(r => ofRun(r.name, series('loss', 40))),
      media: [at(RUNS[0].name, 0, 'a0'), at(RUNS[0].name, 20, 'a20'), at(RUNS[1].name, 10, 'b10'), at(RUNS[2].name, 30, 'c30')]
    });
    const view = mount(p);
    view.mediaStates = new Map(p.media.map(e => [e.path, { kind: 'playable' as const, url: `/files/${e.path}` }]));
    await settle();
    expect(view.querySelectorAll('mp-media-card')).toHaveLength(1);
    const tiles = () =>
      [...view.querySelectorAll('.mp-media-tile')].map(t => [
        t.querySelector('.mp-media-run')?.textContent?.trim(),
        t.querySelector('video')?.getAttribute('src')
      ]);
    // Latest: the last step any run logged (30); each run shows its entry at or before it.
    expect(view.querySelector('.mp-media-step')?.textContent).toBe('step 30 · 4 of 4');
    expect(tiles()).toEqual([
      [RUNS[0].name, '/files/assets/x/a20.mp4'],
      [RUNS[1].name, '/files/assets/x/b10.mp4'],
      [RUNS[2].name, '/files/assets/x/c30.mp4']
    ]);
    // A click on a chart at step 15: each run's nearest step at or before it (the third run has none yet).
    view.select(15);
    await settle();
    expect(tiles()).toEqual([
      [RUNS[0].name, '/files/assets/x/a0.mp4'],
      [RUNS[1].name, '/files/assets/x/b10.mp4'],
      [RUNS[2].name, '/files/assets/x/c30.mp4']
    ]);
    expect(view.querySelectorAll('.mp-media-tile .mp-media-meta')[2].textContent).toMatch(/^first logged at step 30/);
  });

  it('sorts by any column and filters run names', async () => {
    const view = mount(sweep());
    await settle();
    const names = () => [...view.querySelectorAll('.mp-runs-table tbody .mp-run-name')].map(e => e.textContent?.trim());
    const sortBy = (label: string) =>
      [...view.querySelectorAll<HTMLButtonElement>('.mp-runs-table th button')]
        .find(b => b.textContent?.startsWith(label))!
        .click();
    sortBy('lr');
    await settle();
    expect(names()).toEqual([RUNS[2].name, RUNS[0].name, RUNS[1].name]);
    sortBy('lr'); // again: descending
    await settle();
    expect(names()[2]).toBe(RUNS[2].name);
    const filter = view.querySelector<HTMLInputElement>('.mp-runs input[type=search]')!;
    filter.value = 'seed=0';
    filter.dispatchEvent(new Event('input'));
    await settle();
    expect(names()).toEqual(expect.arrayContaining([RUNS[0].name, RUNS[2].name]));
    expect(names()).toHaveLength(2);
  });

  it('a sweep of many runs lists the first 25 rows, as sorted, and the first 12 media tiles; each shows the rest on demand', async () => {
    const many: RunInfo[] = Array.from({ length: 40 }, (_, i) => ({ name: `run ${i}`, config: { seed: i }, status: 'finished' }));
    const view = mount(
      payload({
        runs: many,
        metrics: many.map((r, k) =>
          ofRun(
            r.name,
            series('reward', 10, i => i * k)
          )
        ),
        media: many.map(r => ({ ...video('rollout'), run: r.name, path: `assets/x/${r.name}.mp4` }))
      })
    );
    await settle();
    const rows = (): string[] => [...view.querySelectorAll('.mp-runs-table tbody tr')].map(r => r.getAttribute('data-run')!);
    expect(rows()).toEqual(many.slice(0, 25).map(r => r.name));
    expect(view.querySelector('.mp-runs .mp-hint')!.textContent).toContain('25 of 40 runs listed');
    // Sorted by the reward's last value, highest first: the best runs come up.
    view.querySelector<HTMLButtonElement>('.mp-runs-table th:nth-last-child(3) button')!.click();
    view.querySelector<HTMLButtonElement>('.mp-runs-table th:nth-last-child(3) button')!.click();
    await settle();
    expect(rows().slice(0, 2)).toEqual(['run 39', 'run 38']);
    view.querySelector<HTMLButtonElement>('button[data-action="all-rows"]')!.click();
    await settle();
    expect(rows()).toHaveLength(40);
    expect(view.querySelectorAll('.mp-media-tile')).toHaveLength(12);
    view.querySelector<HTMLButtonElement>('button[data-action="all-tiles"]')!.click();
    await settle();
    expect(view.querySelectorAll('.mp-media-tile')).toHaveLength(40);
  });

  it('"Dashes" draws each run in its own dash pattern in every chart, its legend sample too; off, every line is solid', async () => {
    const view = mount(sweep());
    await settle();
    const dashesOf = (chart: MetricChart): Array<string | undefined> =>
      chart.uplot!.series.slice(1).map(s => (s as { dash?: number[] }).dash?.join(','));
    const charts = [...view.querySelectorAll<MetricChart>('mp-metric-chart')];
    expect(dashesOf(charts[0])).toEqual([undefined, undefined, undefined]);
    view.querySelector<HTMLInputElement>('label[title^="Draw each line in its own dash pattern"] input')!.click();
    await settle();
    for (const chart of charts) {
      const dashes = dashesOf(chart);
      expect(dashes[0]).toBeUndefined(); // the first run stays solid
      expect(new Set(dashes).size).toBe(3);
      expect(dashes).toEqual(dashesOf(charts[0])); // one pattern per run, in every chart
    }
    expect(charts[0].querySelectorAll('.mp-legend svg.mp-swatch-line line[stroke-dasharray]')).toHaveLength(2);
  });

  it('a plotter without runs shows no runs table and its charts as before', async () => {
    const view = mount(payload());
    await settle();
    expect(view.querySelector('mp-runs-table')).toBeNull();
    expect(view.querySelector<MetricChart>('mp-metric-chart')!.uplot!.series.map(s => s.label)).toEqual([
      'step',
      'loss/train',
      'loss/eval'
    ]);
  });
});

describe('runs in the data shaping', () => {
  it('colours follow the run, labels name the run and, where a chart holds several metrics, the metric', () => {
    const metrics = [ofRun('b', series('loss/train', 3)), ofRun('a', series('loss/eval', 3)), ofRun('a', series('lr', 3))];
    const colours = new Map([
      ['a', 'red'],
      ['b', 'blue']
    ]);
    expect(colourByRun(metrics, colours).map(m => [m.label, m.color])).toEqual([
      ['b · loss/train', 'blue'],
      ['a · loss/eval', 'red'],
      ['a', 'red']
    ]);
  });

  it("each run has its place's colour; grouped, every run of a group has the group's place's colour", () => {
    const runs: RunInfo[] = ['a', 'b', 'c'].map(name => ({ name, config: {}, status: 'running' }));
    expect([...runColours(runs)]).toEqual([
      ['a', seriesColor(0)],
      ['b', seriesColor(1)],
      ['c', seriesColor(2)]
    ]);
    expect([...runColours(runs, [{ runs: ['b'] }, { runs: ['a', 'c'] }])]).toEqual([
      ['a', seriesColor(1)],
      ['b', seriesColor(0)],
      ['c', seriesColor(1)]
    ]);
  });

  it('the best value is the lowest for losses and errors, the highest for returns and accuracies, unless the user picks', () => {
    expect(['loss/train', 'val_error', 'perplexity'].map(bestOf)).toEqual(['min', 'min', 'min']);
    expect(['return', 'reward/mean', 'accuracy'].map(bestOf)).toEqual(['max', 'max', 'max']);
  });

  it('the config columns shown by default are those that differ between runs', () => {
    expect(differingConfigKeys(RUNS)).toEqual(['lr', 'seed']);
  });

  it("the CSV has a run column and the runs' config columns, one block of rows per run", () => {
    const metrics = [
      ofRun(
        'a',
        series('loss', 2, i => i + 0.5)
      ),
      ofRun(
        'b',
        series('loss', 2, i => i + 10)
      )
    ];
    const runs: RunInfo[] = [
      { name: 'a', config: { lr: 0.1, note: 'x, y' }, status: 'finished' },
      { name: 'b', config: { lr: 0.2 }, status: 'running' }
    ];
    expect(toCsv(metrics, 0, undefined, runs)).toBe(
      ['step,run,lr,note,loss', '0,a,0.1,"x, y",0.5', '1,a,0.1,"x, y",1.5', '0,b,0.2,,10', '1,b,0.2,,11', ''].join('\n')
    );
  });

  it('media of two runs under one name are two cards', () => {
    const cards = groupMedia([{ ...video('rollout', 0), run: 'a' }, { ...video('rollout', 5), run: 'b' }, video('rollout', 9)]);
    expect(cards.map(c => [c.run ?? null, c.name, c.entries.length])).toEqual([
      ['a', 'rollout', 1],
      ['b', 'rollout', 1],
      [null, 'rollout', 1]
    ]);
  });

  it('streamed series of two runs with one metric name stay apart', () => {
    const live = new LiveSeries(100);
    const buf = (...xs: number[]) => new Float64Array(xs);
    live.apply(
      [
        { name: 'loss', run: 'a', totalPoints: 1, count: 1, replace: true },
        { name: 'loss', run: 'b', totalPoints: 1, count: 1, replace: true }
      ],
      [buf(0, 1, 0), buf(0, 2, 0)]
    );
    live.apply([{ name: 'loss', run: 'b', totalPoints: 2, count: 1, replace: false }], [buf(1, 3, 5)]);
    expect(live.metrics([]).map(m => [m.run, m.values])).toEqual([
      ['a', [1]],
      ['b', [2, 3]]
    ]);
  });
});

describe('grouping runs', () => {
  const seeds: RunInfo[] = [0, 1, 2].flatMap(seed =>
    [1e-3, 3e-4].map(lr => ({ name: `lr=${lr} seed=${seed}`, config: { lr, seed }, status: 'running' as const }))
  );

  it('by a config key, or by everything but the seed, in the order groups first appear', () => {
    expect(groupRuns(seeds, { by: 'key', key: 'lr' }).map(g => [g.label, g.runs.length])).toEqual([
      ['lr=0.001', 3],
      ['lr=3e-4', 3]
    ]);
    expect(groupRuns(seeds, { by: 'all but seed' }).map(g => g.label)).toEqual(['lr=0.001', 'lr=3e-4']);
    expect(groupRuns(seeds, { by: 'key', key: 'seed' }).map(g => g.runs)).toEqual([
      ['lr=0.001 seed=0', 'lr=0.0003 seed=0'],
      ['lr=0.001 seed=1', 'lr=0.0003 seed=1'],
      ['lr=0.001 seed=2', 'lr=0.0003 seed=2']
    ]);
  });

  it("a group's mean at each step, with a min–max or ±1 std band over the runs that have a value there", () => {
    const a = { ...series('loss', 3, i => [1, 2, 3][i]), run: 'a' };
    const b = { ...series('loss', 3, i => [3, null, 5][i]), run: 'b' };
    const minmax = aggregateRuns([a, b], 'min-max');
    expect(minmax.mean.steps).toEqual([0, 1, 2]);
    expect(minmax.mean.values).toEqual([2, 2, 4]);
    expect(minmax.lower.values).toEqual([1, 2, 3]);
    expect(minmax.upper.values).toEqual([3, 2, 5]);
    const std = aggregateRuns([a, b], 'std');
    expect(std.lower.values).toEqual([1, 2, 3]);
    expect(std.upper.values).toEqual([3, 2, 5]);
  });

  it('each group is one colour: its runs faint behind, its band, its mean on top; hiding the runs drops them', () => {
    const metrics = seeds.map((r, k) => ({ ...series('loss', 5, i => k + i), run: r.name }));
    const groups = groupRuns(seeds, { by: 'key', key: 'lr' });
    const colours = new Map(seeds.map(r => [r.name, r.config.lr === 1e-3 ? 'red' : 'blue']));
    const drawn = groupedSeries(metrics, groups, 'min-max', 'faint', colours);
    expect(drawn.map(m => [m.role, m.color])).toEqual([
      ['member', 'red'],
      ['member', 'red'],
      ['member', 'red'],
      ['upper', 'red'],
      ['lower', 'red'],
      ['mean', 'red'],
      ['member', 'blue'],
      ['member', 'blue'],
      ['member', 'blue'],
      ['upper', 'blue'],
      ['lower', 'blue'],
      ['mean', 'blue']
    ]);
    expect(drawn.find(m => m.role === 'mean')!.label).toBe('lr=0.001 (3 runs)');
    expect(groupedSeries(metrics, groups, 'min-max', 'hidden', colours).some(m => m.role === 'member')).toBe(false);
  });

  it("on a time axis, a group is averaged by training step and drawn at its runs' mean time", async () => {
    const withTimes = (run: string, k: number) => ({
      ...series('loss', 3, i => i + k),
      run,
      times: [0, 1000, 2000].map(t => t + k * 100)
    });
    const runs: RunInfo[] = [0, 1].map(k => ({ name: `seed ${k}`, config: { seed: k, lr: 1 }, status: 'running' }));
    const view = mount(payload({ runs, metrics: runs.map((r, k) => withTimes(r.name, k)), media: [], startedAt: 1e12 }));
    view.grouping = { by: 'all but seed' };
    view.xAxis = 'relative';
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const xs = Array.from(chart.uplot!.data[0] as ArrayLike<number>);
    expect(xs).toEqual(expect.arrayContaining([0.05, 1.05, 2.05]));
    const mean = chart.uplot!.series.findIndex(s => s.label === 'lr=1 (2 runs)');
    const values = chart.uplot!.data[mean] as ArrayLike<number | null>;
    expect(xs.map((x, i) => [x, values[i]]).filter(([, v]) => v !== null && v !== undefined)).toEqual([
      [0.05, 0.5],
      [1.05, 1.5],
      [2.05, 2.5]
    ]);
  });

  it('in the panel: grouped by everything but seed, every chart draws a band per group and the table lists mean ± std', async () => {
    const p = payload({
      runs: seeds,
      metrics: seeds.map((r, k) => ({ ...series('loss', 20, i => (k + 1) / (i + 1)), run: r.name })),
      media: []
    });
    const view = mount(p);
    await settle();
    const select = view.querySelector<HTMLSelectElement>('select[aria-label="Group runs"]')!;
    select.value = 'all but seed';
    select.dispatchEvent(new Event('change'));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    expect((chart.uplot as unknown as { bands: unknown[] }).bands).toHaveLength(2);
    expect(
      [...chart.querySelectorAll('.mp-legend .mp-toggle')].map(
        e => e.textContent?.replace(/\s+/g, ' ').trim().split(' (3 runs)')[0]
      )
    ).toEqual(['lr=0.001', 'lr=3e-4']);
    const rows = [...view.querySelectorAll('.mp-groups-table tbody tr')].map(r => r.textContent?.replace(/\s+/g, ' ').trim());
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^lr=0\.001 3 [\d.e-]+ ± [\d.e-]+$/);
  });

  it("grouped, the runs table and the media tiles show each run in its group's colour, as the charts draw it", async () => {
    const p = payload({
      runs: seeds,
      metrics: seeds.map((r, k) => ({ ...series('loss', 20, i => (k + 1) / (i + 1)), run: r.name })),
      media: seeds.map((r, k) => ({ ...video('rollout', 0), run: r.name, path: `assets/x/${k}.mp4` }))
    });
    const view = mount(p);
    await settle();
    // Each run's swatch colour, by run name, in the table and in the media tiles.
    const colorsIn = (selector: string): Record<string, string> =>
      Object.fromEntries(
        [...view.querySelectorAll(selector)].map(e => [
          e.textContent?.trim(),
          (e.querySelector('.mp-swatch') as HTMLElement).style.background
        ])
      );
    const tableColors = () => colorsIn('mp-runs-table .mp-run-name');
    const tileColors = () => colorsIn('.mp-media-tile .mp-media-run');
    const ownColors = tableColors();
    expect(new Set(Object.values(ownColors)).size).toBe(6);
    expect(tileColors()).toEqual(ownColors);

    const select = view.querySelector<HTMLSelectElement>('select[aria-label="Group runs"]')!;
    select.value = 'all but seed';
    select.dispatchEvent(new Event('change'));
    await settle();
    const legend = colorsIn('mp-metric-chart .mp-legend .mp-toggle');
    // A group's legend entry reads "lr=0.001 (3 runs) <value>".
    const groupColor = (label: string): string =>
      Object.entries(legend).find(([entry]) => entry.startsWith(`${label} (3 runs)`))![1];
    expect(groupColor('lr=0.001')).not.toBe(groupColor('lr=3e-4'));
    const byGroup = Object.fromEntries(seeds.map(r => [r.name, groupColor(r.config.lr === 1e-3 ? 'lr=0.001' : 'lr=3e-4')]));
    expect(tableColors()).toEqual(byGroup);
    expect(tileColors()).toEqual(byGroup);

    select.value = 'none';
    select.dispatchEvent(new Event('change'));
    await settle();
    expect(tableColors()).toEqual(ownColors);
  });
});

describe('grouping runs whose points do not line up', () => {
  it("runs downsampled each on its own are compared span by span: the mean is every run's, not one run's at a time", () => {
    // Three runs of 100,000 steps at 1.0, 2.0 and 3.0, each with 3,000 points at steps of its own.
    const runs = [1, 2, 3].map((level, r) => {
      const steps = Array.from({ length: 3000 }, (_, i) => Math.min(99_999, Math.round(i * 33.3 + r * 7)));
      return { name: 'loss', run: `seed ${r}`, steps, values: steps.map(() => level), totalPoints: 100_000 };
    });
    const { mean, lower, upper } = aggregateRuns(runs, 'min-max');
    expect(mean.steps.length).toBeLessThanOrEqual(GROUP_POINTS);
    expect(mean.steps.every((x, i) => i === 0 || x > mean.steps[i - 1])).toBe(true);
    expect(new Set(mean.values)).toEqual(new Set([2]));
    expect(new Set(lower.values)).toEqual(new Set([1]));
    expect(new Set(upper.values)).toEqual(new Set([3]));
  });
});
