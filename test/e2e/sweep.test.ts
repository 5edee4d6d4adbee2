/**
 * The sweep example in a real JupyterLab and Chromium: nine runs of one experiment in one output;
 * every chart overlays the runs in one colour per run; the runs table lists them with their config
 * and status; grouping by everything but the seed draws three means over bands; the
 * hyperparameters view brushes the step size (the table and the charts keep its runs) and a run
 * under the pointer in a chart is highlighted in the table and the view; hiding a run
 * redraws without it; each run's rollout plays; closing the notebook leaves the folder as it was.
 */
import * as path from 'path';
import type { Page } from 'playwright-core';
import { collectErrors } from '../support/jupyterlab';
import {
  command,
  controlsWithoutVisibleFocus,
  drawnPixels,
  openNotebook,
  runAll,
  violationsInBothThemes,
  videoStates,
  widgetOutputsDrawn
} from '../support/lab-page';
import { REPO, listTree } from '../support/kernel-process';
import { serveExample } from '../support/example-e2e';

jest.setTimeout(300000);

const example = serveExample('sweep.ipynb', 'sweep');

/** The labels of the lines each chart draws (uPlot's series, less the x axis). */
function chartLines(page: Page): Promise<string[][]> {
  return page.$$eval('.jp-MetricsPlotter mp-metric-chart', charts =>
    charts.map(c =>
      ((c as unknown as { uplot: { series: Array<{ label: string; show: boolean }> } }).uplot?.series ?? [])
        .slice(1)
        .filter(s => s.show)
        .map(s => s.label)
    )
  );
}

it('nine runs overlaid in one output, grouped into three means with bands, a run hidden, every rollout playing', async () => {
  const { lab, browser, dir, notebook } = example;
  const before = listTree(dir);
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 2600 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, notebook);
  await runAll(page);
  // All nine runs finished: the table says so.
  await page.waitForFunction(
    () => document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table .mp-run-finished').length === 9,
    undefined,
    { timeout: 240000 }
  );
  const rows = await page.$$eval('.jp-MetricsPlotter .mp-runs-table tbody tr', trs =>
    trs.map(tr => [...(tr as HTMLTableRowElement).cells].slice(1, 5).map(c => c.textContent?.trim()))
  );
  expect(rows).toHaveLength(9);
  expect(rows[0]).toEqual(['step=0.1 seed=0', 'finished', '0.1', '0']);
  // A chart per metric, every run drawn in each (in the widget the output switches to, once drawn).
  await widgetOutputsDrawn(page);
  // Charts off screen wait until they are scrolled to (metric-chart.ts): as a user would, look at them.
  for (const chart of await page.locator('.jp-MetricsPlotter mp-metric-chart').all()) await chart.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const charts = [...document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart')];
    return (
      charts.length === 2 && charts.every(c => (c as unknown as { uplot?: { series: unknown[] } }).uplot?.series.length === 10)
    );
  });
  let lines = await chartLines(page);
  expect(lines).toHaveLength(2);
  for (const chart of lines) expect(chart).toHaveLength(9);
  for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
  // Nine entries: each chart's legend is a grid, its entries in columns of one width.
  const legends = await page.$$eval('.jp-MetricsPlotter mp-metric-chart .mp-legend', els =>
    els.map(legend => {
      const boxes = [...legend.querySelectorAll('.mp-toggle')].map(e => e.getBoundingClientRect());
      return {
        grid: legend.classList.contains('mp-legend-grid'),
        entries: boxes.length,
        columns: new Set(boxes.map(b => Math.round(b.left))).size,
        widths: new Set(boxes.map(b => Math.round(b.width))).size
      };
    })
  );
  for (const legend of legends) {
    expect(legend).toMatchObject({ grid: true, entries: 9, widths: 1 });
    expect(legend.columns).toBeGreaterThan(1);
    expect(legend.columns).toBeLessThan(9);
  }
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'sweep-runs.png') });

  // Group by everything but the seed: three step sizes, each a mean over a band of its seeds.
  await page.selectOption('.jp-MetricsPlotter select[aria-label="Group runs"]', 'all but seed');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-groups-table tbody tr').length === 3);
  const bands = await page.$$eval('.jp-MetricsPlotter mp-metric-chart', charts =>
    charts.map(c => (c as unknown as { uplot: { bands?: unknown[] } }).uplot?.bands?.length ?? 0)
  );
  expect(bands).toEqual([3, 3]);
  const legend = await page.$$eval('.jp-MetricsPlotter mp-metric-chart .mp-legend .mp-toggle', els =>
    els.map(e => e.textContent?.replace(/\s+/g, ' ').trim())
  );
  expect(legend.filter(l => l?.startsWith('stepSize=0.1 (3 runs)'))).toHaveLength(2); // one in each chart
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'sweep-grouped.png') });

  // Hyperparameters against results: an axis per swept key and one for the return.
  await page.selectOption('.jp-MetricsPlotter select[aria-label="Group runs"]', 'none');
  await page.click('.jp-MetricsPlotter .mp-sweep .mp-chart-title');
  const axes = await page.$$eval('.jp-MetricsPlotter mp-sweep-view .mp-axis', els =>
    els.map(e => [e.getAttribute('data-axis'), e.getAttribute('aria-label')?.split(';')[0]])
  );
  expect(axes.map(([id]) => id)).toEqual(['config:stepSize', 'config:seed', 'metric:return (last)']);
  expect(axes[0][1]).toBe('stepSize, log scale from 0.1 to 1');
  expect(await page.$$eval('.jp-MetricsPlotter .mp-parcoords .mp-sweep-line', els => els.length)).toBe(9);
  expect(
    await page.$$eval('.jp-MetricsPlotter .mp-importance tbody tr', trs => trs.map(t => t.getAttribute('data-key')).sort())
  ).toEqual(['seed', 'stepSize']);
  // A drag along the top of the step size axis brushes 1.0: the table and every chart keep its three runs.
  const strip = (await page.locator('.jp-MetricsPlotter .mp-axis[data-axis="config:stepSize"] .mp-axis-strip').boundingBox())!;
  await page.mouse.move(strip.x + strip.width / 2, strip.y + 2);
  await page.mouse.down();
  await page.mouse.move(strip.x + strip.width / 2, strip.y + 30, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table tr.mp-run-hidden').length === 6);
  lines = await chartLines(page);
  for (const chart of lines) expect(chart.sort()).toEqual(['step=1 seed=0', 'step=1 seed=1', 'step=1 seed=2']);
  // The pointer on a chart's line highlights that run everywhere: its table row, its line across the axes.
  const target = await page.$eval('.jp-MetricsPlotter mp-metric-chart', chart => {
    type Plot = {
      data: number[][];
      series: Array<{ label: string; show: boolean }>;
      valToPos(v: number, k: string): number;
      over: HTMLElement;
    };
    const u = (chart as unknown as { uplot: Plot }).uplot;
    const idx = Math.floor(u.data[0].length / 2);
    const shown = u.series.map((s, i) => i).filter(i => i > 0 && u.series[i].show && u.data[i][idx] != null);
    // The line furthest from the others at that step, so that the pointer is nearest to it alone.
    const gap = (i: number) => Math.min(...shown.filter(j => j !== i).map(j => Math.abs(u.data[i][idx] - u.data[j][idx])));
    const s = shown.sort((a, b) => gap(b) - gap(a))[0];
    const box = u.over.getBoundingClientRect();
    return {
      x: box.left + u.valToPos(u.data[0][idx], 'x'),
      y: box.top + u.valToPos(u.data[s][idx], 'y'),
      label: u.series[s].label
    };
  });
  await page.mouse.move(target.x, target.y, { steps: 3 });
  await page.waitForFunction(
    run => document.querySelector('.jp-MetricsPlotter .mp-runs-table tr.mp-run-highlight')?.getAttribute('data-run') === run,
    target.label
  );
  expect(
    await page.$eval('.jp-MetricsPlotter .mp-parcoords .mp-sweep-line-highlight', e =>
      e.closest('g[data-run]')?.getAttribute('data-run')
    )
  ).toBe(target.label);
  // The charts fade the other runs once the pointer rests (HOVER_INTENT_MS).
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart')].every(c =>
      (c as unknown as { uplot: { series: Array<{ alpha: number }> } }).uplot.series.some(s => s.alpha < 1)
    )
  );
  const alphas = await page.$$eval('.jp-MetricsPlotter mp-metric-chart', charts =>
    charts.map(c =>
      (c as unknown as { uplot: { series: Array<{ label: string; alpha: number; show: boolean }> } }).uplot.series
        .slice(1)
        .filter(s => s.show)
        .map(s => [s.label, s.alpha])
    )
  );
  for (const chart of alphas) expect(chart.filter(([, a]) => a === 1).map(([l]) => l)).toEqual([target.label]);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'sweep-hyperparameters.png') });
  await page.mouse.move(0, 0);
  await page.click('.jp-MetricsPlotter button[data-action="clear-brushes"]');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table tr.mp-run-hidden').length === 0);
  // By keyboard, in JupyterLab (whose notebook takes arrows and Escape unless the axis keeps them):
  // ↑ on the seed axis brushes its top (seed 2), Escape clears it.
  await page.focus('.jp-MetricsPlotter .mp-axis[data-axis="config:seed"]');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table tr.mp-run-hidden').length === 6);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table tr.mp-run-hidden').length === 0);
  // Every reader: axe-core finds nothing in the output (the view open), in either theme.
  expect(await violationsInBothThemes(page, path.join(REPO, 'test-results', 'sweep-dark.png'))).toEqual({ light: [], dark: [] });
  // Every control of the output is reached by Tab and shows where the focus is.
  expect(await controlsWithoutVisibleFocus(page)).toEqual([]);

  // The pole angle's histograms: its distribution over iterations, and every run's histogram at a chosen one.
  const card = page.locator('.jp-MetricsPlotter mp-histogram-card').first();
  await card.scrollIntoViewIfNeeded();
  expect(await card.locator('.mp-chart-name').textContent()).toBe('pole angle');
  expect(await card.locator('.mp-histogram-outline').count()).toBe(9);
  expect(
    await card.evaluate(c => (c as unknown as { plot: { bands: unknown[]; data: unknown[][] } }).plot.data[0].length)
  ).toBeGreaterThan(40);
  expect(await card.locator('.mp-histogram-bars').getAttribute('aria-label')).toMatch(/^Histogram of pole angle at step 79: /);
  const slider = card.locator('input[type=range]');
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() =>
    document
      .querySelector('.jp-MetricsPlotter mp-histogram-card .mp-histogram-bars')
      ?.getAttribute('aria-label')
      ?.includes('at step 74:')
  );
  for (const n of await drawnPixels(page, '.jp-MetricsPlotter mp-histogram-card .mp-distribution canvas'))
    expect(n).toBeGreaterThan(1000);
  await card.screenshot({ path: path.join(REPO, 'test-results', 'sweep-histogram.png') });

  // Hide one run: every chart redraws without it, and its rollout goes.
  await page.click('.jp-MetricsPlotter .mp-runs-table tbody tr:first-child input[type=checkbox]');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-media-run').length === 8);
  lines = await chartLines(page);
  for (const chart of lines) expect(chart).toHaveLength(8);
  expect(lines.flat().some(l => l.startsWith('step=0.1 seed=0'))).toBe(false);

  // Each visible run's rollout plays from the server.
  const videos = await videoStates(page);
  expect(videos).toHaveLength(8);
  for (const v of videos) expect(v.error).toBeNull();
  expect(listTree(dir).filter(f => f.endsWith('.mp4'))).toHaveLength(9);
  expect(errors).toEqual([]);

  // Closing the notebook ends the session: the folder is as it was (its checkpoints aside).
  await command(page, 'docmanager:save');
  await command(page, 'application:close');
  const settled = (t: string[]) => t.filter(f => !f.startsWith('.ipynb_checkpoints') && f !== 'sweep.ipynb');
  for (let i = 0; i < 600 && settled(listTree(dir)).length !== settled(before).length; i++)
    await new Promise(r => setTimeout(r, 100));
  expect(settled(listTree(dir))).toEqual(settled(before));
  await page.close();
});
