/**
 * The charts as a researcher meets them in a real JupyterLab and Chromium: a learning rate whose
 * axis and values read right, hover values in the one legend, a drag-to-zoom that zooms every chart
 * of the panel and follows new steps, a filter over metric names, and the x axis by relative or
 * wall time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PLOTTER_MIME_TYPE } from '../../src/protocol';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { openNotebook, command, waitIdleAndRun, widgetOutputsDrawn } from '../support/lab-page';
import { REPO, makeNotebookDir, notebooksRoot, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(300000);

const CELLS = [
  `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "training" });
plotter.show();
const log = (step: number) => {
  plotter.addScalar("loss/train", 2 * Math.exp(-step / 60) + 0.05, step);
  plotter.addScalar("loss/eval", 2.2 * Math.exp(-step / 60) + 0.08, step);
  plotter.addScalar("lr", 3e-4 * Math.pow(0.99, step), step);
  plotter.addScalar("env_steps", 2.1e9 + step * 4096, step);
};
for (let step = 0; step < 200; step++) log(step);`,
  `for (let step = 200; step < 250; step++) { log(step); await new Promise(r => setTimeout(r, 5)); }`
];

let lab: JupyterLab;
let browser: Browser;
let dir: string;

/** A long run: 10 metrics of 100,000 points each, with a spike every 1,000 steps. */
const LONG_RUN = [
  `import { MetricsPlotter } from "metrics-plotter";
const run = new MetricsPlotter({ title: "long run" });
for (let m = 0; m < 10; m++) {
  const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 5000) + m + (i % 1000 === 0 ? 5 : 0));
  run.addMetric(\`metric\${m}\`, values);
}
run.show();`
];

/** A plotter past its memory bound: 2 metrics of 300,000 points in 2 MB (12 bytes a point: 7.2 MB logged). */
const BOUNDED_RUN = [
  `import { MetricsPlotter } from "metrics-plotter";
const bounded = new MetricsPlotter({ title: "bounded", memoryBoundMB: 2 });
for (let s = 0; s < 300_000; s++) {
  bounded.addScalar("loss", Math.sin(s / 5000) + (s === 1_050 ? 5 : 0), s);
  bounded.addScalar("reward", s / 300_000, s);
}
bounded.show();`
];

beforeAll(async () => {
  dir = makeNotebookDir('charts');
  writeNotebook(path.join(dir, 'bounded.ipynb'), BOUNDED_RUN);
  writeNotebook(path.join(dir, 'charts.ipynb'), CELLS);
  writeNotebook(path.join(dir, 'long-run.ipynb'), LONG_RUN);
  lab = await JupyterLab.start(notebooksRoot());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  removeNotebookDir(dir);
});

type Chart = {
  uplot: { scales: { x: { min: number; max: number } }; valToPos(v: number, s: string): number; over: HTMLElement };
};

async function xRanges(page: Page): Promise<number[][]> {
  return page.$$eval('.jp-MetricsPlotter mp-metric-chart', els =>
    els.map(el => {
      const x = (el as unknown as Chart).uplot.scales.x;
      return [Math.round(x.min), Math.round(x.max)];
    })
  );
}

it('reads right, hovers in one legend, zooms every chart together, follows new steps, and filters', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(dir)}/charts.ipynb`);
  await command(page, 'notebook:run-cell-and-select-next');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart').length === 3);
  await page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter .mp-legend-step')?.textContent === 'latest: step 199'
  );

  // The learning rate's axis and value are not "0".
  const lrChart = page.locator('.jp-MetricsPlotter mp-metric-chart', { hasText: 'lr' }).first();
  expect((await lrChart.locator('.mp-legend-value').first().textContent())?.trim()).toMatch(/^4\.06\d*e-5$/);
  const ticks: string[] = await lrChart.evaluate(el => {
    const u = (el as unknown as { uplot: { axes: Array<{ _values?: string[] }> } }).uplot;
    return u.axes[1]._values ?? [];
  });
  expect(ticks.length).toBeGreaterThan(1);
  expect(ticks.every(t => t !== '0' || ticks.filter(x => x === '0').length === 1)).toBe(true);
  expect(new Set(ticks).size).toBe(ticks.length);

  // Hovering one chart moves the cursor, and the legend values, of every chart.
  const loss = page.locator('.jp-MetricsPlotter mp-metric-chart').first();
  const box = (await loss.locator('.u-over').boundingBox())!;
  const at = await loss.evaluate(el => (el as unknown as Chart).uplot.valToPos(50, 'x'));
  await page.mouse.move(box.x + at, box.y + box.height / 2);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.jp-MetricsPlotter .mp-legend-step')].every(e => /^step \d+$/.test(e.textContent ?? ''))
  );
  const hovered = await page.$$eval('.jp-MetricsPlotter .mp-legend-step', els => els.map(e => Number(e.textContent!.slice(5))));
  expect(new Set(hovered).size).toBe(1); // every chart's cursor is at the same step
  expect(Math.abs(hovered[0] - 50)).toBeLessThanOrEqual(2);

  // Dragging on one chart zooms all of them on x.
  const from = await loss.evaluate(el => (el as unknown as Chart).uplot.valToPos(150, 'x'));
  const to = await loss.evaluate(el => (el as unknown as Chart).uplot.valToPos(199, 'x'));
  await page.mouse.move(box.x + from, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + (from + to) / 2, box.y + 40, { steps: 5 });
  await page.mouse.move(box.x + to + 2, box.y + 40, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter [data-action=reset]:not([disabled])'));
  const zoomed = await xRanges(page);
  expect(new Set(zoomed.map(r => r.join('-'))).size).toBe(1);
  const [min, max] = zoomed[0];
  expect(min).toBeGreaterThanOrEqual(145);
  expect(max).toBeGreaterThanOrEqual(195);

  // Training goes on: the zoomed window keeps its width and slides to the latest step.
  // (The drag made the first cell active: select the second one, as a person would, and run it.)
  await page.locator('.jp-Notebook .jp-Cell').nth(1).locator('.jp-InputPrompt').click();
  await command(page, 'notebook:run-cell');
  await waitIdleAndRun(page);
  await page.mouse.move(5, 5); // leave the chart: the legend shows the latest step again
  await page.waitForFunction(
    () => {
      const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as Chart).uplot;
      return Math.round(u.scales.x.max) === 249;
    },
    undefined,
    { timeout: 30000 }
  );
  const slid = await xRanges(page);
  for (const [a, b] of slid) {
    expect(b).toBe(249);
    expect(b - a).toBe(max - min);
  }

  // The filter keeps the charts whose metric names match.
  await page.fill('.jp-MetricsPlotter .mp-filter', '^loss/');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart').length === 1);
  await page.fill('.jp-MetricsPlotter .mp-filter', '');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart').length === 3);

  // The x axis by time: the second cell's 50 steps took at least 5 ms each, the first cell's 200 none.
  await page.selectOption('.jp-MetricsPlotter select[aria-label="X axis"]', 'relative');
  await page.waitForFunction(() =>
    /^latest: step 249 · [\d.]+s$/.test(document.querySelector('.jp-MetricsPlotter .mp-legend-step')?.textContent ?? '')
  );
  const relative = await page.$eval('.jp-MetricsPlotter mp-metric-chart', el => {
    const u = (el as unknown as { uplot: { data: number[][]; axes: Array<{ _values?: string[] }> } }).uplot;
    return { first: u.data[0][0], last: u.data[0].at(-1)!, labels: u.axes[0]._values ?? [] };
  });
  expect(relative.first).toBeLessThan(1); // seconds since the plotter's first point
  expect(relative.last).toBeGreaterThanOrEqual(0.25);
  expect(relative.labels.every(l => /^\d+(\.\d)?s$|^\d+m( \d+s)?$/.test(l))).toBe(true);
  await page.selectOption('.jp-MetricsPlotter select[aria-label="X axis"]', 'wall');
  await page.waitForFunction(() => {
    const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as { uplot: { data: number[][] } }).uplot;
    return Math.abs(u.data[0].at(-1)! - Date.now() / 1000) < 600; // the clock, in seconds
  });
  // The legend still names the training step, with the clock time it was logged at.
  expect(await page.textContent('.jp-MetricsPlotter .mp-legend-step')).toMatch(/^latest: step 249 · \d{1,2}:\d{2}:\d{2}/);
  await page.selectOption('.jp-MetricsPlotter select[aria-label="X axis"]', 'step');
  await page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter .mp-legend-step')?.textContent === 'latest: step 249'
  );
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'charts.png') });
  expect(errors).toEqual([]);
  await page.close();
});

it('a long run is drawn live in detail (charts below the fold when scrolled to), a zoom comes back at full resolution, and the saved notebook stays small', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(dir)}/long-run.ipynb`);
  await command(page, 'notebook:run-cell');
  await waitIdleAndRun(page);
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart').length === 10);
  // Live, the charts draw what the kernel streams at their width, not the saved output's few hundred points.
  const drawn = await page.waitForFunction(
    () => {
      const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as { uplot?: { data: number[][] } })
        .uplot;
      const n = u?.data[0].length ?? 0;
      return n > 1000 ? n : false;
    },
    undefined,
    { timeout: 30000 }
  );
  expect(await drawn.jsonValue()).toBeLessThanOrEqual(4000);
  // A chart below the fold waits (it does not even shape its data) until scrolled to, then draws the same detail.
  await page.$eval('.jp-MetricsPlotter mp-metric-chart:last-of-type', el => el.scrollIntoView());
  await page.waitForFunction(
    () => {
      const charts = document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart');
      const u = (charts[charts.length - 1] as unknown as { uplot?: { data: number[][] } }).uplot;
      return (u?.data[0].length ?? 0) > 1000;
    },
    undefined,
    { timeout: 30000 }
  );
  await page.$eval('.jp-MetricsPlotter mp-metric-chart', el => el.scrollIntoView());

  // Zoom into 100 steps of 100,000: the kernel sends that range in full detail (every step, the spike at 50,000).
  await page.$eval('.jp-MetricsPlotter mp-metric-chart', el =>
    (el as unknown as { uplot: { setScale(k: string, r: object): void } }).uplot.setScale('x', { min: 49_950, max: 50_050 })
  );
  const detail = await page.waitForFunction(
    () => {
      const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as { uplot: { data: number[][] } })
        .uplot;
      const xs = u.data[0];
      const inside = xs.filter(x => x >= 49_950 && x <= 50_050);
      return inside.length === 101 ? { spike: u.data[1][xs.indexOf(50_000)], next: u.data[1][xs.indexOf(50_001)] } : false;
    },
    undefined,
    { timeout: 30000 }
  );
  const { spike, next } = (await detail.jsonValue()) as { spike: number; next: number };
  expect(spike - next).toBeGreaterThan(4.9);
  // The y axis fits what is inside the zoomed window (values near -0.54 and the spike at 4.46).
  const y = await page.$eval(
    '.jp-MetricsPlotter mp-metric-chart',
    el => (el as unknown as { uplot: { scales: { y: { min: number; max: number } } } }).uplot.scales.y
  );
  expect(y.min).toBeLessThan(-0.54);
  expect(y.max).toBeGreaterThan(4.45);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'long-run-zoomed.png') });

  // What the notebook saves of this show(): at most 100 kB, and it still draws every chart.
  await command(page, 'docmanager:save');
  await page.waitForFunction(() => !document.querySelector('.jp-mod-dirty'));
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'long-run.ipynb'), 'utf8'));
  const outputBytes = Buffer.byteLength(JSON.stringify(saved.cells[0].outputs));
  expect(outputBytes).toBeLessThanOrEqual(100_000);
  const payload = saved.cells[0].outputs.find((o: { data?: object }) => o.data && PLOTTER_MIME_TYPE in o.data).data[
    PLOTTER_MIME_TYPE
  ];
  expect(payload.metrics).toHaveLength(10);
  expect(errors).toEqual([]);
  await page.close();
});

it('a plotter past its memory bound says so, and a zoom into merged steps says it shows buckets', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(dir)}/bounded.ipynb`);
  await command(page, 'notebook:run-cell');
  await waitIdleAndRun(page);
  await widgetOutputsDrawn(page);
  const note = page.locator('.jp-MetricsPlotter .mp-note', { hasText: 'Memory bound reached' });
  await note.waitFor({ timeout: 30000 });
  expect(await note.textContent()).toMatch(
    /Memory bound reached \(2 MB of points\): [\d,]+ older points are merged into min\/max buckets/
  );

  const zoom = (min: number, max: number): Promise<void> =>
    page.$eval(
      '.jp-MetricsPlotter mp-metric-chart',
      (el, r) => (el as unknown as { uplot: { setScale(k: string, r: object): void } }).uplot.setScale('x', r),
      { min, max }
    );
  // Early steps were merged: the zoom shows the buckets (the spike at step 1,050 among them), and says so.
  await zoom(1_000, 1_100);
  const merged = page.locator('.jp-MetricsPlotter mp-metric-chart .mp-merged-note').first();
  await merged.waitFor({ timeout: 30000 });
  const early = await page.$eval('.jp-MetricsPlotter mp-metric-chart', el => {
    const u = (el as unknown as { uplot: { data: number[][] } }).uplot;
    return {
      inside: u.data[0].filter(x => x >= 1_000 && x <= 1_100).length,
      max: Math.max(...(u.data[1] as number[]).filter(v => v !== null))
    };
  });
  expect(early.inside).toBeLessThan(101);
  expect(early.max).toBeGreaterThan(5);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'memory-bound-zoomed.png') });

  // The latest steps are every point as logged, and the note goes.
  await zoom(299_800, 299_900);
  await page.waitForFunction(() => {
    const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as { uplot: { data: number[][] } }).uplot;
    return u.data[0].filter(x => x >= 299_800 && x <= 299_900).length === 101;
  });
  await page.waitForFunction(() => !document.querySelector('.jp-MetricsPlotter mp-metric-chart .mp-merged-note'));
  expect(errors).toEqual([]);
  await page.close();
});
