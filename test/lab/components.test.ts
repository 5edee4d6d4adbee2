/** The lit components in jsdom: what the researcher sees for each state of a plotter output. */
import type { MetricChart } from '../../src/lab/charts/metric-chart';
import type { PlotterPanelElement } from '../../src/lab/output/panel-element';
import type { MediaCard } from '../../src/lab/media/media-card';
import { waitingDraws } from '../../src/lab/charts/draw-queue';
import { SELECT_STEP_EVENT } from '../../src/lab/charts/metric-chart';
import { crossingsAt } from '../../src/lab/charts/chart-data';
import { MEDIA_KEEP_EVENT } from '../../src/lab/media/media-card';
import { SERIES_COLORS } from '../../src/protocol/charts';
import type { MetricSeries } from '../../src/protocol';
import '../../src/lab/output/panel-element';
import { mount, payload, series, settle, video } from './fixtures';

afterEach(() => {
  document.body.innerHTML = '';
  jest.restoreAllMocks();
});

describe('<mp-plotter-panel>', () => {
  it('shows the title, a chart per metric group with uPlot drawing every series, and the videos', async () => {
    const p = payload();
    const view = mount(v => {
      v.payload = p;
      v.mediaStates = new Map([[p.media[0].path, { kind: 'playable', url: '/files/x.mp4?token=t' }]]);
    });
    await settle();
    expect(view.querySelector('.mp-title')?.textContent).toBe('CartPole');
    expect(view.querySelector('.mp-state')?.textContent).toBe('Live');
    const charts = [...view.querySelectorAll<MetricChart>('mp-metric-chart')];
    expect(charts.map(c => c.querySelector('.mp-chart-name')?.textContent)).toEqual(['loss', 'reward']);
    expect(charts[0].uplot?.series.map(s => s.label)).toEqual(['step', 'loss/train', 'loss/eval']);
    expect(charts[0].uplot?.data[1]).toHaveLength(50);
    const videoEl = view.querySelector('video')!;
    expect(videoEl.getAttribute('src')).toBe('/files/x.mp4?token=t');
    expect(videoEl.hasAttribute('controls')).toBe(true);
    expect(view.querySelector('.mp-media-meta')?.textContent).toContain('64×48 · 90 frames · 30 fps · 3.0 s · 12 kB');
  });

  it('smoothing and log scale drive every chart', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const raw = [...(chart.uplot!.data[1] as number[])];
    const slider = view.querySelector<HTMLInputElement>('input[type=range]')!;
    slider.value = '0.9';
    slider.dispatchEvent(new Event('input'));
    await settle();
    const smoothed = chart.uplot!.data[2] as number[]; // [1] is the raw series, drawn faint behind
    expect(smoothed[0]).toBeCloseTo(raw[0], 10); // debiased: the first point stays
    expect(smoothed[10]).toBeGreaterThan(raw[10]); // a falling curve smoothed lags above it
    const log = view.querySelector<HTMLInputElement>('.mp-controls input[type=checkbox]')!;
    log.checked = true;
    log.dispatchEvent(new Event('change'));
    await settle();
    expect(chart.uplot!.scales.y.distr).toBe(3);
    const reward = view.querySelectorAll<MetricChart>('mp-metric-chart')[1];
    expect(reward.querySelector('.mp-chart-note')?.textContent).toContain('1 values ≤ 0 are not drawn on the log scale');
  });

  it('series toggles are checkboxes that hide a series in the chart', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const boxes = chart.querySelectorAll<HTMLInputElement>('.mp-legend input[type=checkbox]');
    expect(boxes).toHaveLength(2);
    boxes[1].checked = false;
    boxes[1].dispatchEvent(new Event('change'));
    await settle();
    expect(chart.uplot!.series[2].show).toBe(false);
    expect(chart.uplot!.series[1].show).toBe(true);
  });

  it('live updates swap the data in the same uPlot instance', async () => {
    const p = payload();
    const view = mount(v => (v.payload = p));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const plot = chart.uplot;
    const grown = payload({
      metrics: p.metrics.map(m => ({ ...m, steps: [...m.steps, 50], values: [...m.values, 0.01], totalPoints: 51 }))
    });
    view.payload = grown;
    await settle();
    expect(chart.uplot).toBe(plot);
    expect(chart.uplot!.data[0]).toHaveLength(51);
  });

  it('charts redrawn for new points draw together while light, and take turns a frame each when heavy, each turn in a task after its frame', async () => {
    const grow = (p: ReturnType<typeof payload>): ReturnType<typeof payload> =>
      payload({
        metrics: p.metrics.map(m => ({
          ...m,
          steps: [...m.steps, m.steps.length],
          values: [...m.values, 0.01],
          totalPoints: m.steps.length + 1
        }))
      });
    const lengths = (view: PlotterPanelElement): number[] =>
      [...view.querySelectorAll<MetricChart>('mp-metric-chart')].map(c => c.uplot!.data[0].length);
    const frame = (): Promise<unknown> => new Promise(resolve => requestAnimationFrame(resolve));
    const task = (): Promise<unknown> => new Promise(resolve => setTimeout(resolve, 0));
    /** Until the turn after the next frame has drawn (its task follows the frame). */
    const turn = async (): Promise<void> => {
      const before = waitingDraws();
      await frame();
      while (waitingDraws() === before) await task();
    };
    const light = payload();
    let view = mount(v => (v.payload = light));
    await settle();
    view.payload = grow(light);
    await task();
    expect(lengths(view)).toEqual([50, 50]); // not in the update's task
    await frame();
    expect(lengths(view)).toEqual([50, 50]); // nor in the animation frame (their raster would add to its task)
    while (waitingDraws() > 0) await task();
    expect(lengths(view)).toEqual([51, 51]); // both in one turn

    // Two charts of 10 lines × 3,000 points: each more than half a frame's budget.
    document.body.innerHTML = '';
    const heavy = payload({
      metrics: ['a', 'b'].flatMap(chart => Array.from({ length: 10 }, (_, i) => series(`${chart}/${i}`, 3000, j => i + j / 3000)))
    });
    view = mount(v => (v.payload = heavy));
    await settle();
    view.payload = grow(heavy);
    await task();
    await turn();
    expect(lengths(view)).toEqual([3001, 3000]);
    await turn();
    expect(lengths(view)).toEqual([3001, 3001]);
  });

  it('switching the x axis to time redraws every chart at once', async () => {
    const p = payload({ metrics: [{ ...series('loss', 3), times: [0, 500, 2500] }], media: [], startedAt: 1e12 });
    const view = mount(v => (v.payload = p));
    await settle();
    const xs = (): number[] =>
      Array.from(view.querySelector<MetricChart>('mp-metric-chart')!.uplot!.data[0] as ArrayLike<number>);
    expect(xs()).toEqual([0, 1, 2]);
    view.xAxis = 'relative';
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(xs()).toEqual([0, 0.5, 2.5]);
  });

  it("new points reach a chart's legend and plot together in its turn, or at once when the user changes the chart first", async () => {
    const grow = (p: ReturnType<typeof payload>, step: number): ReturnType<typeof payload> =>
      payload({
        metrics: p.metrics.map(m => ({
          ...m,
          steps: [...m.steps, step],
          values: [...m.values, 0.01],
          totalPoints: m.steps.length + 1
        }))
      });
    const chart = (view: PlotterPanelElement): MetricChart => view.querySelector<MetricChart>('mp-metric-chart')!;
    const latest = (view: PlotterPanelElement): string => chart(view).querySelector('.mp-legend-step')!.textContent!;
    const p = payload();
    const view = mount(v => (v.payload = p));
    await settle();
    expect(latest(view)).toBe('latest: step 49');

    const p1 = grow(p, 50);
    view.payload = p1;
    await new Promise(resolve => setTimeout(resolve, 0));
    // The update's task rendered the panel; the chart still shows, legend and plot alike, what it drew.
    expect(chart(view).drawPending).toBe(true);
    expect(latest(view)).toBe('latest: step 49');
    expect(chart(view).uplot!.data[0]).toHaveLength(50);
    await settle();
    expect(latest(view)).toBe('latest: step 50');
    expect(chart(view).uplot!.data[0]).toHaveLength(51);

    view.payload = grow(p1, 51);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(chart(view).drawPending).toBe(true);
    view.smoothing = 0.6; // before the chart's turn
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(chart(view).drawPending).toBe(false);
    expect(latest(view)).toBe('latest: step 51');
    expect(chart(view).uplot!.data[0]).toHaveLength(52);
  });

  it('exports a chart as CSV and PNG downloads', async () => {
    const blobs: Blob[] = [];
    const names: string[] = [];
    URL.createObjectURL = jest.fn((b: Blob) => (blobs.push(b), 'blob:x'));
    URL.revokeObjectURL = jest.fn();
    jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    chart.querySelector<HTMLButtonElement>('[data-action=csv]')!.click();
    chart.querySelector<HTMLButtonElement>('[data-action=png]')!.click();
    expect(names).toEqual(['loss.csv', 'loss.png']);
    const csv = await new Promise<string>(resolve => {
      const reader = new FileReader(); // jsdom's Blob has no text()
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blobs[0]);
    });
    expect(csv.split('\n')[0]).toBe('step,loss/train,loss/eval');
    expect(csv.split('\n')[2]).toBe('1,0.5,1');
    expect(blobs[1].type).toBe('image/png');
  });

  it('says when a series was downsampled for the payload', async () => {
    const p = payload();
    p.metrics[2] = { ...p.metrics[2], totalPoints: 100000 };
    const view = mount(v => (v.payload = p));
    await settle();
    expect(view.textContent).toContain('reward: 50 of 100,000 points shown');
  });

  it('shows the ended state, removed videos, and a failure with the exact path to delete by hand', async () => {
    const p = payload({ media: [video('a'), video('b')] });
    const left = p.media[1].absolutePath;
    const view = mount(v => {
      v.payload = p;
      v.status = { kind: 'ended', why: 'restarted', left: [{ path: left, reason: 'EPERM: operation not permitted' }] };
      v.mediaStates = new Map([
        [p.media[0].path, { kind: 'removed' }],
        [p.media[1].path, { kind: 'left', path: left }]
      ]);
    });
    await settle();
    expect(view.querySelector('.mp-state')?.textContent).toBe('Session ended (the kernel was restarted), but cleanup failed.');
    const failure = view.querySelector('.mp-failure')!.textContent!;
    expect(failure).toContain('cleanup failed');
    expect(failure).toContain(left);
    expect(failure).toContain('delete it by hand');
    expect(view.querySelector('video')).toBeNull();
    const cards = view.querySelectorAll('mp-media-card');
    expect(cards[0].textContent).toContain('Removed when the session ended.');
    expect(cards[1].textContent).toContain(`Still on disk: ${left}. Please delete it by hand.`);
  });

  it("a removed entry shows the output's still of it, marked as a still; an entry of another step only says it was removed", async () => {
    const p = payload({ media: [video('a', 10), video('b', 10)] });
    const view = mount(v => {
      v.payload = p;
      v.status = { kind: 'ended', why: 'restarted', left: [] };
      v.mediaStates = new Map(p.media.map(e => [e.path, { kind: 'removed' }]));
      v.stills = new Map([
        ['a', { step: 10, src: 'data:image/jpeg;base64,AAAA' }],
        ['b', { step: 5, src: 'data:image/jpeg;base64,BBBB' }]
      ]);
    });
    await settle();
    const [a, b] = [...view.querySelectorAll('mp-media-card')];
    expect(a.querySelector('.mp-still img')?.getAttribute('src')).toBe('data:image/jpeg;base64,AAAA');
    expect(a.querySelector('.mp-still figcaption')?.textContent).toBe(
      'A still of this video: the file was removed when the session ended.'
    );
    expect(a.querySelector('video')).toBeNull();
    expect(b.querySelector('.mp-still')).toBeNull();
    expect(b.textContent).toContain('Removed when the session ended.');
  });

  it('each playable entry can be downloaded and, while the session is live, kept; a kept entry says where it went and is not counted as removed', async () => {
    const p = payload({ media: [video('a', 10), { ...video('b', 10), path: 'b-step10.mp4', kept: true as const }] });
    const view = mount(v => {
      v.payload = p;
      v.mediaStates = new Map(p.media.map(e => [e.path, { kind: 'playable', url: `/files/${e.path}` }]));
    });
    await settle();
    const [a, b] = [...view.querySelectorAll('mp-media-card')];
    const download = a.querySelector<HTMLAnchorElement>('.mp-media-actions a')!;
    expect(download.textContent).toBe('Download');
    expect(download.getAttribute('href')).toBe(`/files/${p.media[0].path}`);
    expect(download.getAttribute('download')).toBe('a-10.mp4');
    const kept: string[] = [];
    view.addEventListener(MEDIA_KEEP_EVENT, e => kept.push((e as CustomEvent<{ path: string }>).detail.path));
    a.querySelector<HTMLButtonElement>('[data-action="keep"]')!.click();
    expect(kept).toEqual([p.media[0].path]);
    expect(b.querySelector('[data-action="keep"]')).toBeNull();
    expect(b.querySelector('.mp-media-kept')?.textContent).toBe(
      "Kept as b-step10.mp4: yours now; the session's cleanup leaves it."
    );

    view.keepErrors = new Map([[p.media[0].path, 'the disk is full']]);
    await settle();
    expect(a.textContent).toContain('Could not keep it: the disk is full');

    // Once the session ended there is nothing to keep; the kept file is not among what was removed.
    view.status = { kind: 'ended', why: 'restarted', left: [] };
    view.mediaStates = new Map([
      [p.media[0].path, { kind: 'removed' }],
      [p.media[1].path, { kind: 'playable', url: '/files/b-step10.mp4' }]
    ]);
    await settle();
    expect(view.querySelector('[data-action="keep"]')).toBeNull();
    expect(view.querySelector('.mp-state')?.textContent).toBe('Session ended (the kernel was restarted); its video was removed.');
  });

  it("a live output of a kernel the page cannot send to (Deno's) offers no Keep", async () => {
    const p = payload({ media: [video('a')] });
    p.kernel = { ...p.kernel, oneWay: 'Deno' };
    const view = mount(v => {
      v.payload = p;
      v.mediaStates = new Map([[p.media[0].path, { kind: 'playable', url: '/files/a.mp4' }]]);
    });
    await settle();
    expect(view.querySelector('.mp-media-actions a')?.textContent).toBe('Download');
    expect(view.querySelector('[data-action="keep"]')).toBeNull();
  });

  it("a live output of a kernel the page cannot send to (Deno's) says what that costs; once ended, only the end is told", async () => {
    const p = payload({ media: [video('a')] });
    p.kernel = { ...p.kernel, oneWay: 'Deno' };
    const view = mount(v => (v.payload = p));
    await settle();
    expect(view.querySelector('.mp-note')?.textContent).toBe(
      "Deno's kernel takes no messages from this page: clearing this output or closing the notebook leaves its files until plotter.close() or the end of the kernel, and zooming shows the points this page was sent."
    );
    view.status = { kind: 'ended', why: 'restarted', left: [] };
    await settle();
    expect(view.querySelector('.mp-note')).toBeNull();
    expect(view.querySelector('.mp-state')?.textContent).toBe('Session ended (the kernel was restarted); its video was removed.');
  });

  it('controls are reachable from the keyboard (native buttons, checkboxes and a slider)', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const focusable = view.querySelectorAll('button, input');
    expect(focusable.length).toBeGreaterThanOrEqual(2 + 3 * 2 + 2);
    for (const el of focusable) expect((el as HTMLElement).tabIndex).toBeGreaterThanOrEqual(0);
  });

  it('a chart says what it shows in words, and a keyboard user steps along it and hears the values at each step', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelectorAll<MetricChart>('mp-metric-chart')[1];
    const plot = chart.querySelector<HTMLElement>('.mp-plot')!;
    expect(plot.tabIndex).toBe(0);
    expect(plot.getAttribute('aria-label')).toBe(
      'Chart of reward, 1 line. reward: rising from 0 to 49 (step 0 to step 49), between 0 and 49. ← and → read the values step by step.'
    );
    const press = async (key: string): Promise<KeyboardEvent> => {
      const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
      plot.dispatchEvent(e);
      await settle();
      return e;
    };
    const live = (): string => chart.querySelector('[aria-live]')!.textContent!;
    // From the latest step back one; the keys stay the chart's (JupyterLab's command mode would take them).
    expect((await press('ArrowLeft')).defaultPrevented).toBe(true);
    expect(live()).toBe('step 48: reward 48');
    expect(chart.querySelector('.mp-legend-step')!.textContent).toBe('step 48');
    await press('Home');
    expect(live()).toBe('step 0: reward 0');
    await press('PageUp');
    expect(live()).toBe('step 5: reward 5');
    await press('Escape');
    expect(live()).toBe('');
    expect(chart.querySelector('.mp-legend-step')!.textContent).toBe('latest: step 49');
    // Other keys go on to the notebook.
    expect((await press('a')).defaultPrevented).toBe(false);
  });
});

describe('media over training steps', () => {
  const rollouts = [0, 100, 200, 300].map(step => video('rollout', step));
  const playable = (entries: ReturnType<typeof video>[]) =>
    new Map(entries.map(e => [e.path, { kind: 'playable' as const, url: `/files/${e.path}` }]));

  it('one card per media name, with a slider over its logged steps that starts at the latest', async () => {
    const p = payload({ media: [...rollouts, video('eval', 150)] });
    const view = mount(v => {
      v.payload = p;
      v.mediaStates = playable(p.media);
    });
    await settle();
    const cards = view.querySelectorAll<MediaCard>('mp-media-card');
    expect(cards).toHaveLength(2);
    expect(cards[0].querySelector('.mp-media-step')?.textContent).toBe('step 300 · 4 of 4');
    expect(cards[0].querySelector('video')?.getAttribute('src')).toBe(`/files/${rollouts[3].path}`);
    const slider = cards[0].querySelector<HTMLInputElement>('.mp-media-slider input[type=range]')!;
    expect([slider.min, slider.max, slider.value]).toEqual(['0', '3', '3']);
    slider.value = '1';
    slider.dispatchEvent(new Event('input'));
    await settle();
    expect(cards[0].querySelector('.mp-media-step')?.textContent).toBe('step 100 · 2 of 4');
    expect(cards[0].querySelector('video')?.getAttribute('src')).toBe(`/files/${rollouts[1].path}`);
    expect(cards[0].querySelector('.mp-media-meta')?.textContent).toContain('64×48 · 90 frames · 30 fps · 3.0 s');
  });

  it('"Latest" follows new entries while training; a user who moved back stays where they are', async () => {
    const view = mount(v => (v.payload = payload({ media: rollouts.slice(0, 2) })));
    await settle();
    const card = view.querySelector<MediaCard>('mp-media-card')!;
    view.payload = payload({ media: rollouts.slice(0, 3) });
    await settle();
    expect(card.entry?.step).toBe(200);
    const slider = card.querySelector<HTMLInputElement>('input[type=range]')!;
    slider.value = '0';
    slider.dispatchEvent(new Event('input'));
    view.payload = payload({ media: rollouts });
    await settle();
    expect(card.entry?.step).toBe(0);
    expect(card.querySelector('button[aria-pressed]')?.getAttribute('aria-pressed')).toBe('false');
    card.querySelector<HTMLButtonElement>('button[aria-pressed]')!.click();
    await settle();
    expect(card.entry?.step).toBe(300);
  });

  it('a click on a chart selects that step (the nearest logged step at or before it) in every card, and marks it on the charts', async () => {
    const p = payload({ media: [...rollouts, video('eval', 150)] });
    const view = mount(v => (v.payload = p));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    expect(chart.mediaSteps).toEqual([0, 100, 150, 200, 300]);
    chart.dispatchEvent(new CustomEvent(SELECT_STEP_EVENT, { detail: { step: 170 }, bubbles: true }));
    await settle();
    const [rollout, evalCard] = view.querySelectorAll<MediaCard>('mp-media-card');
    expect(rollout.entry?.step).toBe(100);
    expect(evalCard.entry?.step).toBe(150);
    expect(view.querySelectorAll<MetricChart>('mp-metric-chart')[1].selectedStep).toBe(170);
  });

  it('"Move together": one card\'s slider drives every card', async () => {
    const p = payload({ media: [...rollouts, video('eval', 0), video('eval', 250)] });
    const view = mount(v => (v.payload = p));
    await settle();
    const link = view.querySelector<HTMLInputElement>('.mp-link input')!;
    link.checked = true;
    link.dispatchEvent(new Event('change'));
    await settle();
    const [rollout, evalCard] = view.querySelectorAll<MediaCard>('mp-media-card');
    const slider = rollout.querySelector<HTMLInputElement>('input[type=range]')!;
    slider.value = '2';
    slider.dispatchEvent(new Event('input'));
    await settle();
    expect(rollout.entry?.step).toBe(200);
    expect(evalCard.entry?.step).toBe(0);
    slider.value = '3';
    slider.dispatchEvent(new Event('input'));
    await settle();
    expect(evalCard.entry?.step).toBe(250);
  });

  it('images show as images; entries removed by keepLast are counted on their card', async () => {
    const image = { ...video('frame', 5), kind: 'image' as const, path: 'assets/x/frame.png', fps: undefined, frames: undefined };
    const view = mount(v => {
      v.payload = payload({ media: [image], retired: { frame: 7 } });
      v.mediaStates = playable([image]);
    });
    await settle();
    const card = view.querySelector<MediaCard>('mp-media-card')!;
    expect(card.querySelector('img')?.getAttribute('src')).toBe('/files/assets/x/frame.png');
    expect(card.querySelector('.mp-media-meta')?.textContent).toBe('64×48 · 12 kB');
    expect(card.querySelector('.mp-media-retired')?.textContent).toMatch(/7 older entries were\s+removed by keepLast/);
  });
});

describe('charts that read right and move together', () => {
  it('one legend per chart: every series with its value at the latest step, then at the hovered step, raw and smoothed', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    expect(chart.querySelectorAll('.mp-legend')).toHaveLength(1);
    expect(chart.querySelector('.u-legend')).toBeNull();
    expect(chart.querySelector('.mp-legend-step')?.textContent).toBe('latest: step 49');
    const values = () => [...chart.querySelectorAll('.mp-legend-value')].map(e => e.textContent!.replace(/\s+/g, ' ').trim());
    expect(values()).toEqual(['0.02', '0.04']);
    chart.hoverIdx = 3;
    await settle();
    expect(chart.querySelector('.mp-legend-step')?.textContent).toBe('step 3');
    expect(values()).toEqual(['0.25', '0.5']);
    const slider = view.querySelector<HTMLInputElement>('.mp-controls input[type=range]')!;
    slider.value = '0.5';
    slider.dispatchEvent(new Event('input'));
    await settle();
    chart.hoverIdx = 3;
    await settle();
    expect(values()[0]).toMatch(/^0\.25 \(smoothed 0\.3\d+\)$/);
    expect(chart.textContent).not.toContain('--');
  });

  it('axes label a learning rate of 3e-4 as such, never as "0, 0, 0"', async () => {
    const view = mount(v => (v.payload = payload({ metrics: [series('lr', 50, i => 3e-4 * Math.exp(-i / 20))] })));
    await settle();
    const u = view.querySelector<MetricChart>('mp-metric-chart')!.uplot!;
    const yLabels = (u.axes[1].values as (u: unknown, ticks: number[]) => string[])(u, [0, 1e-4, 2e-4, 3e-4]);
    expect(yLabels).toEqual(['0', '1e-4', '2e-4', '3e-4']);
  });

  it('zooming one chart on x zooms every chart of the panel; reset shows all steps in all', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const [loss, reward] = view.querySelectorAll<MetricChart>('mp-metric-chart');
    loss.uplot!.setScale('x', { min: 10, max: 20 });
    await settle();
    expect(view.xRange).toEqual({ min: 10, max: 20 });
    expect([reward.uplot!.scales.x.min, reward.uplot!.scales.x.max]).toEqual([10, 20]);
    reward.querySelector<HTMLButtonElement>('[data-action=reset]')!.click();
    await settle();
    expect(view.xRange).toBeNull();
    expect([loss.uplot!.scales.x.min, loss.uplot!.scales.x.max]).toEqual([0, 49]);
  });

  it('zoomed into a range that holds few points of a line, the y axis fits where the line crosses its edges', async () => {
    // A rarely logged metric (or memory-bound buckets): points at steps 0, 100, 110 and 200.
    const sparse: MetricSeries = { name: 'eval/return', steps: [0, 100, 110, 200], values: [0, 100, 90, 0], totalPoints: 4 };
    const view = mount(v => (v.payload = payload({ metrics: [sparse] })));
    await settle();
    const u = view.querySelector<MetricChart>('mp-metric-chart')!.uplot!;
    // Two points inside (100 and 90); the line crosses the edges at 90 (step 90) and 60 (step 140).
    u.setScale('x', { min: 90, max: 140 });
    await settle();
    expect(u.scales.y.min!).toBeLessThanOrEqual(60);
    expect(u.scales.y.max!).toBeGreaterThanOrEqual(100);
    // A hidden line does not count.
    expect(crossingsAt(140, { series: [sparse], shown: u.data, hidden: new Set(['eval/return']), log: false })).toEqual([]);
    expect(crossingsAt(140, { series: [sparse], shown: u.data, hidden: new Set(), log: false })).toEqual([60]);
    // On a log axis the line is straight in log space: 100 → 1 over steps 0 → 100 is 10 at step 50.
    const log = {
      series: [sparse],
      shown: [
        [0, 100],
        [1, 100]
      ] as unknown as typeof u.data,
      hidden: new Set<string>(),
      log: true
    };
    expect(crossingsAt(50, log)[0]).toBeCloseTo(10);
  });

  it('follow latest: a zoomed window at the last step slides with new steps; one panned away stays', async () => {
    const grow = (n: number) => payload({ metrics: [series('loss/train', n, i => 1 / (i + 1)), series('reward', n)] });
    const view = mount(v => (v.payload = grow(50)));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    chart.uplot!.setScale('x', { min: 39, max: 49 });
    await settle();
    view.payload = grow(60);
    await settle();
    expect(view.xRange).toEqual({ min: 49, max: 59 });
    expect([chart.uplot!.scales.x.min, chart.uplot!.scales.x.max]).toEqual([49, 59]);
    chart.uplot!.setScale('x', { min: 10, max: 20 });
    await settle();
    view.payload = grow(70);
    await settle();
    expect(view.xRange).toEqual({ min: 10, max: 20 });
  });
});

describe('many metrics', () => {
  it('a filter over metric names (a regex, or plain text when it is not one) keeps only matching charts', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const filter = view.querySelector<HTMLInputElement>('.mp-filter')!;
    const titles = () => [...view.querySelectorAll('.mp-chart-name')].map(e => e.textContent);
    filter.value = '^loss/(train|eval)$';
    filter.dispatchEvent(new Event('input'));
    await settle();
    expect(titles()).toEqual(['loss']);
    expect(view.querySelector('.mp-controls [role=status]')?.textContent).toBe('1 of 2 charts');
    filter.value = 'REW';
    filter.dispatchEvent(new Event('input'));
    await settle();
    expect(titles()).toEqual(['reward']);
    filter.value = 'loss/(';
    filter.dispatchEvent(new Event('input'));
    await settle();
    expect(titles()).toEqual([]);
    filter.value = '';
    filter.dispatchEvent(new Event('input'));
    await settle();
    expect(titles()).toEqual(['loss', 'reward']);
  });
});

describe('scales and smoothing', () => {
  it('with smoothing on, each series is drawn twice: raw and faint behind, smoothed on top; a toggle hides both', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const slider = view.querySelector<HTMLInputElement>('.mp-controls input[type=range]')!;
    slider.value = '0.6';
    slider.dispatchEvent(new Event('input'));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const u = chart.uplot!;
    expect(u.series.map(s => s.label)).toEqual(['step', 'loss/train (raw)', 'loss/train', 'loss/eval (raw)', 'loss/eval']);
    const stroke = (i: number) => (u.series[i].stroke as unknown as () => string)();
    expect([stroke(1), stroke(2)]).toEqual([`${SERIES_COLORS[0]}55`, SERIES_COLORS[0]]);
    expect(u.data[1][5]).toBe(1 / 6); // the raw value
    expect(u.data[2][5]).not.toBe(1 / 6); // smoothed
    const box = chart.querySelectorAll<HTMLInputElement>('.mp-legend input[type=checkbox]')[1];
    box.checked = false;
    box.dispatchEvent(new Event('change'));
    await settle();
    expect([u.series[3].show, u.series[4].show, u.series[1].show]).toEqual([false, false, true]);
  });

  it('ignore outliers fits y to the 5th–95th percentile; one chart can take its own log scale', async () => {
    const spiky = series('loss', 100, i => (i === 50 ? 1000 : 1 + (i % 10) / 10));
    const view = mount(v => (v.payload = payload({ metrics: [spiky, series('reward', 100, i => i + 1)] })));
    await settle();
    const [loss, reward] = view.querySelectorAll<MetricChart>('mp-metric-chart');
    expect(loss.uplot!.scales.y.max).toBeGreaterThan(1000);
    const outliers = [...view.querySelectorAll<HTMLInputElement>('.mp-controls input[type=checkbox]')].find(b =>
      b.parentElement?.textContent?.includes('Ignore outliers')
    )!;
    outliers.checked = true;
    outliers.dispatchEvent(new Event('change'));
    await settle();
    expect(loss.uplot!.scales.y.max).toBeLessThan(3);
    expect(loss.uplot!.scales.y.min).toBeGreaterThan(0.5);
    reward.querySelector<HTMLButtonElement>('[data-action=log]')!.click();
    await settle();
    expect(reward.uplot!.scales.y.distr).toBe(3);
    expect(loss.uplot!.scales.y.distr).toBe(1);
    expect(reward.querySelector('[data-action=log]')?.getAttribute('aria-pressed')).toBe('true');
  });
});

describe('many metric groups', () => {
  it('a chart folds to its title and opens again, keeping its plot', async () => {
    const view = mount(v => (v.payload = payload()));
    await settle();
    const chart = view.querySelector<MetricChart>('mp-metric-chart')!;
    const plot = chart.uplot;
    const fold = chart.querySelector<HTMLButtonElement>('.mp-chart-title')!;
    expect(fold.getAttribute('aria-expanded')).toBe('true');
    fold.click();
    await settle();
    expect(fold.getAttribute('aria-expanded')).toBe('false');
    expect(chart.querySelector<HTMLElement>('.mp-chart-body')!.hidden).toBe(true);
    fold.click();
    await settle();
    expect(chart.querySelector<HTMLElement>('.mp-chart-body')!.hidden).toBe(false);
    expect(chart.uplot).toBe(plot);
  });
});
