/**
 * Baselines in a real JupyterLab and Chromium: a run pinned from the runs table and one by
 * `plotter.pin()` are kept in the notebook's metadata and drawn dashed; a kernel restart and a
 * re-run of the cell draw them again in the new output; the code's pin is not pinned again;
 * Unpin removes one; saved, the notebook file holds them and nothing else is written; the file
 * opened elsewhere (another folder, another browser) draws them before anything runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { command, openNotebook, restartFromKernelMenu, runCell, widgetOutputsDrawn } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, notebooksRoot, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(300000);

const CELLS = [
  `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "baselines" });
for (const lr of [0.1, 0.3]) {
  const run = plotter.run(\`lr=\${lr}\`, { config: { lr } });
  const phase = 6 * Math.random(); // each run of the cell trains a little differently
  for (let s = 0; s < 300; s++) run.addScalar("loss", 1 / (1 + s * lr) + 0.05 * Math.sin(s / 5 + phase), s);
  run.end();
}
plotter.show();`,
  'plotter.pin("lr=0.1", { label: "from code" });'
];

let lab: JupyterLab;
let browser: Browser;
const dirs: string[] = [];

beforeAll(async () => {
  lab = await JupyterLab.start(notebooksRoot());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const dir of dirs) removeNotebookDir(dir);
});

/** The labels of the lines the first chart draws, and which of them are dashed. */
function firstChartLines(page: Page): Promise<Array<{ label: string; dashed: boolean }>> {
  return page.$eval('.jp-MetricsPlotter mp-metric-chart', c =>
    ((c as unknown as { uplot?: { series: Array<{ label: string; show: boolean; dash?: number[] }> } }).uplot?.series ?? [])
      .slice(1)
      .filter(s => s.show)
      .map(s => ({ label: String(s.label), dashed: !!s.dash?.length }))
  );
}

/** The labels of the notebook's baselines, as its model has them. */
function pinnedLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const model = (
      window.jupyterapp.shell.currentWidget as unknown as { context: { model: { getMetadata(k: string): unknown } } }
    ).context.model;
    const kept = model.getMetadata('metrics-plotter') as { baselines?: Array<{ label: string }> } | undefined;
    return (kept?.baselines ?? []).map(b => b.label);
  });
}

async function waitForLines(page: Page, labels: RegExp[]): Promise<void> {
  await page.waitForFunction(
    sources => {
      const c = document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as {
        uplot?: { series: Array<{ label: string }> };
      };
      const drawn = (c?.uplot?.series ?? []).slice(1).map(s => String(s.label));
      return sources.every(src => drawn.some(l => new RegExp(src).test(l)));
    },
    labels.map(r => r.source),
    { timeout: 60000 }
  );
}

it('pinned runs outlive the kernel: kept in the notebook, drawn dashed after a restart and a re-run, pinned from code once, and read from the file elsewhere', async () => {
  const dir = makeNotebookDir('baselines');
  dirs.push(dir);
  writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
  const before = listTree(dir);
  const notebook = `${path.basename(dir)}/nb.ipynb`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, notebook);
  await runCell(page, 0);
  await widgetOutputsDrawn(page);

  // Pinned from the runs table.
  await page.click('.jp-MetricsPlotter .mp-runs-table tr[data-run="lr=0.3"] button[data-action="pin"]');
  await waitForLines(page, [/^lr=0\.3 \(baseline, /]);
  expect(await pinnedLabels(page)).toEqual(['lr=0.3']);
  expect(await page.textContent('.jp-MetricsPlotter .mp-baseline-note')).toMatch(
    /^Pinned "lr=0\.3" as a baseline of this notebook/
  );
  // Pinned by code: the page that shows the output does it.
  await runCell(page, 1);
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-baselines-table tbody tr').length === 2);
  expect(await pinnedLabels(page)).toEqual(['lr=0.3', 'from code']);
  const lines = await firstChartLines(page);
  expect(lines.filter(l => l.dashed).map(l => l.label)).toEqual([
    expect.stringMatching(/^lr=0\.3 \(baseline, /),
    expect.stringMatching(/^from code \(baseline, /)
  ]);
  expect(lines.filter(l => !l.dashed).map(l => l.label)).toEqual(['lr=0.1', 'lr=0.3']);

  // The kernel restarted, the cell run again: a new plotter, a new output, the same baselines.
  await restartFromKernelMenu(page);
  await page.waitForFunction(
    () =>
      (window.jupyterapp.shell.currentWidget as unknown as { sessionContext: { session?: { kernel?: { status: string } } } })
        .sessionContext.session?.kernel?.status === 'idle',
    undefined,
    { timeout: 60000 }
  );
  await runCell(page, 0);
  await widgetOutputsDrawn(page);
  await waitForLines(page, [/^lr=0\.1$/, /^lr=0\.3 \(baseline, /, /^from code \(baseline, /]);
  // The code's pin came from the old output's plotter: it is pinned once, not again.
  expect(await pinnedLabels(page)).toEqual(['lr=0.3', 'from code']);
  await page.locator('.jp-MetricsPlotter mp-baselines-table').scrollIntoViewIfNeeded();
  await page.locator('.jp-MetricsPlotter .mp-panel').screenshot({ path: path.join(REPO, 'test-results', 'baselines.png') });

  // Unpinned: gone from the notebook and the chart.
  await page.click('.jp-MetricsPlotter .mp-baselines-table tr:has-text("from code") button[data-action="unpin"]');
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-baselines-table tbody tr').length === 1);
  expect(await pinnedLabels(page)).toEqual(['lr=0.3']);
  expect((await firstChartLines(page)).filter(l => l.dashed)).toHaveLength(1);

  // Saved: the file holds the baseline, and nothing else was written beside it.
  await command(page, 'docmanager:save');
  await command(page, 'application:close');
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8'));
  expect(saved.metadata['metrics-plotter'].baselines.map((b: { label: string; config: unknown }) => [b.label, b.config])).toEqual(
    [['lr=0.3', { lr: 0.3 }]]
  );
  expect(Buffer.byteLength(JSON.stringify(saved.metadata['metrics-plotter']))).toBeLessThan(24_000);
  expect(listTree(dir).filter(f => !f.startsWith('.ipynb_checkpoints'))).toEqual(before);
  expect(errors).toEqual([]);
  await page.close();

  // The file carried elsewhere (another folder, another browser): its saved output draws the
  // baseline before anything runs.
  const elsewhere = makeNotebookDir('baselines-elsewhere');
  dirs.push(elsewhere);
  fs.copyFileSync(path.join(dir, 'nb.ipynb'), path.join(elsewhere, 'nb.ipynb'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
  const other = await context.newPage();
  const otherErrors = collectErrors(other);
  await openNotebook(other, lab, `${path.basename(elsewhere)}/nb.ipynb`);
  await other.locator('.jp-MetricsPlotter mp-metric-chart').first().scrollIntoViewIfNeeded();
  await waitForLines(other, [/^lr=0\.1$/, /^lr=0\.3 \(baseline, /]);
  expect(
    await other.$$eval('.jp-MetricsPlotter .mp-baselines-table tbody tr', rows =>
      rows.map(r => r.getAttribute('data-baseline') !== null)
    )
  ).toEqual([true]);
  expect(otherErrors).toEqual([]);
  await context.close();
});
