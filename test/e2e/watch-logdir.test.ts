/**
 * Runs from anywhere, in a real JupyterLab and Chromium: examples/cluster-sweep.ipynb starts five
 * processes (the stand-in for five machines on shared storage) that write TensorBoard event files
 * concurrently into one log directory with metrics-plotter/tensorboard's SummaryWriter, and trains
 * a run in the notebook. The plotter watching the directory shows each job's run as it starts,
 * their metrics beside the notebook's run in the same charts, their configs in the runs table and
 * their GIF rollouts as playing videos; closing the notebook leaves its folder as it was and the
 * log directory untouched.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { collectErrors } from '../support/jupyterlab';
import {
  command,
  drawnPixels,
  startCommand,
  openNotebook,
  videoStates,
  waitIdleAndRun,
  widgetOutputsDrawn
} from '../support/lab-page';
import { REPO, listTree } from '../support/kernel-process';
import { serveExample } from '../support/example-e2e';

jest.setTimeout(300000);

const example = serveExample('cluster-sweep.ipynb', 'cluster-sweep');

/** The runs table's rows: name and status. */
function runRows(page: Page): Promise<string[][]> {
  return page.$$eval('.jp-MetricsPlotter .mp-runs-table tbody tr', trs =>
    trs.map(tr => [...(tr as HTMLTableRowElement).cells].slice(1, 3).map(c => c.textContent?.trim() ?? ''))
  );
}

it("five processes writing one log directory at once: each job's run appears as it starts, beside the notebook's run, its rollout playing; the log directory is left as it was", async () => {
  const { lab, browser, dir, notebook } = example;
  const before = listTree(dir);
  const logdirsBefore = new Set(fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('cartpole-sweep-')));
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 2200 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, notebook);
  // Not runAll: it waits for the cells to finish, and the runs are to be seen while they run.
  await startCommand(page, 'notebook:run-all-cells');

  // The jobs start one after another: the table grows run by run (seen at every count on the way).
  const jobRuns = (rows: string[][]): number => rows.filter(([name]) => /^step=[\d.]+ seed=\d$/.test(name)).length;
  const counts = new Set<number>();
  for (let n = 0; n < 5;) {
    await page.waitForFunction(
      known => {
        const names = [...document.querySelectorAll('.jp-MetricsPlotter .mp-runs-table tbody tr')].map(
          tr => (tr as HTMLTableRowElement).cells[1]?.textContent?.trim() ?? ''
        );
        return names.filter(name => /^step=[\d.]+ seed=\d$/.test(name)).length > known;
      },
      n,
      { timeout: 120000 }
    );
    n = jobRuns(await runRows(page));
    counts.add(n);
  }
  expect(counts.size).toBeGreaterThan(1); // not all at once: runs appeared while the jobs started

  // Every job's run and the notebook's in one table, each job's config read from its event file.
  await waitIdleAndRun(page);
  expect(await page.textContent('.jp-Notebook')).toContain('the jobs exited with 0, 0, 0, 0, 0');
  const rows = await runRows(page);
  expect(rows.map(r => r[0]).sort()).toEqual(
    ['in the notebook', 'step=0.1 seed=0', 'step=0.2 seed=1', 'step=0.3 seed=2', 'step=0.5 seed=3', 'step=1 seed=4'].sort()
  );
  // A job's state is not in its event files: its run says it is watched, the notebook's that it finished.
  expect(rows.filter(r => r[1] === 'watched')).toHaveLength(5);
  expect(rows.find(r => r[0] === 'in the notebook')?.[1]).toBe('finished');
  const configs = await page.$$eval('.jp-MetricsPlotter .mp-runs-table tbody tr', trs =>
    trs.map(tr => [...(tr as HTMLTableRowElement).cells].map(c => c.textContent?.trim() ?? ''))
  );
  expect(configs.find(r => r[1] === 'step=0.5 seed=3')).toEqual(expect.arrayContaining(['0.5', '3']));

  // One chart per metric, six runs in each; a video per run (the jobs' GIFs made MP4s), each playing.
  await widgetOutputsDrawn(page);
  await page.waitForFunction(() => {
    const charts = [...document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart')];
    return (
      charts.length === 2 && charts.every(c => (c as unknown as { uplot?: { series: unknown[] } }).uplot?.series.length === 7)
    );
  });
  for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter video').length === 6, undefined, {
    timeout: 120000
  });
  const videos = await videoStates(page);
  for (const v of videos) expect(v.error).toBeNull();
  expect(await page.textContent('.jp-MetricsPlotter .mp-watched')).toMatch(/^Watching \/.*cartpole-sweep-\w+: 5 runs\.$/);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'cluster-sweep.png') });
  expect(errors).toEqual([]);

  // The log directory the jobs wrote, outside the notebook's folder.
  const logdirs = fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('cartpole-sweep-') && !logdirsBefore.has(f));
  expect(logdirs).toHaveLength(1);
  const logdir = path.join(os.tmpdir(), logdirs[0]);
  const written = listTree(logdir);
  expect(written.filter(f => f.includes('tfevents'))).toHaveLength(5);

  // Closing the notebook ends the session: the plotter's MP4s go, the jobs' event files stay.
  await command(page, 'docmanager:save');
  await command(page, 'application:close');
  const settled = (t: string[]) => t.filter(f => !f.startsWith('.ipynb_checkpoints') && f !== 'cluster-sweep.ipynb');
  for (let i = 0; i < 600 && settled(listTree(dir)).length !== settled(before).length; i++)
    await new Promise(r => setTimeout(r, 100));
  expect(settled(listTree(dir))).toEqual(settled(before));
  expect(listTree(logdir)).toEqual(written);
  fs.rmSync(logdir, { recursive: true, force: true });
  await page.close();
});
