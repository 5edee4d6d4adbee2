/**
 * The sweep example in a real JupyterLab and Chromium: nine runs of one experiment in one output;
 * every chart overlays the runs in one colour per run; the runs table lists them with their config
 * and status; grouping by everything but the seed draws three means over bands; hiding a run
 * redraws without it; each run's rollout plays; closing the notebook leaves the folder as it was.
 */
import * as path from 'path';
import type { Page } from 'playwright-core';
import { collectErrors } from '../support/jupyterlab';
import { command, drawnPixels, openNotebook, runAll, videoStates, widgetOutputsDrawn } from '../support/lab-page';
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

  // No grouping again, and hide one run: every chart redraws without it, and its rollout goes.
  await page.selectOption('.jp-MetricsPlotter select[aria-label="Group runs"]', 'none');
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
