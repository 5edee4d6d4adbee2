/**
 * The plotter as a Jupyter widget, in a real JupyterLab with jupyterlab_widgets (the e2e venv
 * installs it) and Debian's Chromium, and what must not regress around it: a notebook saved while
 * its widget was live and reopened once its kernel is gone draws from its saved payload (never
 * "Error displaying widget: model not found"), and a JupyterLab with jupyterlab_widgets switched
 * off renders through the MIME renderer, without a widget model ever opened.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PLOTTER_MIME_TYPE, WIDGET_VIEW_MIME_TYPE } from '../../src/protocol';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { command, openNotebook, runCell, stateText, waitIdleAndRun } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, notebooksRoot, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(300000);

const WIDGETS_PLUGIN = '@jupyter-widgets/jupyterlab-manager:plugin';

const SHOW = `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "widget" });
for (let s = 0; s < 50; s++) plotter.addScalar("loss", 1 / (s + 1), s);
const frames = Array.from({ length: 10 }, (_, t) => ({ width: 32, height: 24, data: new Uint8Array(32 * 24 * 4).fill(t * 20) }));
await plotter.addVideoFromFrames("rollout", frames, { fps: 10, step: 49 });
plotter.show();`;
const TRAIN = `for (let s = 50; s < 100; s++) { plotter.addScalar("loss", 1 / (s + 1), s); await new Promise(r => setTimeout(r, 5)); }`;

let browser: Browser;
const dirs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const dir of dirs) removeNotebookDir(dir);
});

function notebook(name: string, cells: string[]): { dir: string; rel: string } {
  const dir = makeNotebookDir(name);
  dirs.push(dir);
  writeNotebook(path.join(dir, 'nb.ipynb'), cells);
  return { dir, rel: `${path.basename(dir)}/nb.ipynb` };
}

const hasPlugin = (page: Page, id: string) =>
  page.evaluate(i => (window.jupyterapp as unknown as { hasPlugin(id: string): boolean }).hasPlugin(i), id);

/** How each plotter output on the page is drawn: by the widget's view, or by the MIME renderer's panel. */
const drawnBy = (page: Page) =>
  page.$$eval('.jp-MetricsPlotter-output', outputs =>
    outputs.map(o => (o.querySelector(':scope > .jp-MetricsPlotter-widget .jp-MetricsPlotter') ? 'widget' : 'panel'))
  );

/**
 * Waits until the first cell's output names its widget model. A plotter shown before the page
 * attached (the first in a kernel) gets its model when the page does, and its display names it
 * from the next display update on (a streamed view's display is refreshed within 5 s).
 */
const outputNamesModel = (page: Page) =>
  page.waitForFunction(
    mime => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: { model: { cells: { get(i: number): { outputs: { length: number; get(i: number): { data: object } } } } } };
      };
      const outputs = panel.content.model.cells.get(0).outputs;
      return Array.from({ length: outputs.length }, (_, i) => outputs.get(i).data).some(d => mime in d);
    },
    WIDGET_VIEW_MIME_TYPE,
    { timeout: 60000 }
  );

/**
 * Counts, from the page's start, the animation frames in which a plotter output that had shown
 * drawn charts shows none (an empty output while one renderer hands over to the other).
 */
function countBlankFrames(): void {
  const w = window as unknown as { mpBlankFrames: number };
  w.mpBlankFrames = 0;
  const seen = new WeakSet<Element>();
  const tick = (): void => {
    for (const output of document.querySelectorAll('.jp-MetricsPlotter-output')) {
      const drawn = [...output.querySelectorAll('mp-metric-chart')].some(chart => {
        const canvas = chart.querySelector('canvas');
        return (
          !!(chart as unknown as { uplot?: unknown }).uplot &&
          !!canvas &&
          canvas.checkVisibility({ visibilityProperty: true, opacityProperty: true }) &&
          canvas.getBoundingClientRect().width > 0
        );
      });
      if (drawn) seen.add(output);
      else if (seen.has(output) && output.isConnected) w.mpBlankFrames++;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

const blankFrames = (page: Page) => page.evaluate(() => (window as unknown as { mpBlankFrames: number }).mpBlankFrames);

const savedOutputs = (dir: string) =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8')).cells as Array<{ outputs: Array<{ data?: object }> }>)
    .flatMap(c => c.outputs)
    .filter(o => o.data && PLOTTER_MIME_TYPE in o.data);

describe('JupyterLab with jupyterlab_widgets', () => {
  let lab: JupyterLab;
  beforeAll(async () => {
    lab = await JupyterLab.start(notebooksRoot());
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("the live output is the plotter's widget, updated live and restored on reload; close() hands it back to the final payload", async () => {
    const nb = notebook('widget-live', [SHOW, TRAIN, 'plotter.close();']);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.addInitScript(countBlankFrames);
    const errors = collectErrors(page);
    await openNotebook(page, lab, nb.rel);
    expect(await hasPlugin(page, WIDGETS_PLUGIN)).toBe(true);

    // The cell that loads the package shows the plotter: its widget model opens as soon as the page
    // has told the kernel it renders widgets, and the output switches to the widget's view.
    await runCell(page, 0);
    await page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter-widget .jp-MetricsPlotter mp-metric-chart'));
    expect(await drawnBy(page)).toEqual(['widget']);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.jp-MetricsPlotter-widget video')].some(v => (v as HTMLVideoElement).readyState > 0)
    );

    // Training goes on in another cell: the widget follows it.
    await runCell(page, 1);
    await page.waitForFunction(
      () => document.querySelector('.jp-MetricsPlotter-widget .mp-legend-step')?.textContent === 'latest: step 99',
      undefined,
      { timeout: 60000 }
    );
    await page
      .locator('.jp-MetricsPlotter-output')
      .first()
      .screenshot({ path: path.join(REPO, 'test-results', 'widget-live.png') });

    // Saved while live, the output carries both: the widget's reference and the payload.
    await outputNamesModel(page);
    await command(page, 'docmanager:save');
    const [saved] = savedOutputs(nb.dir);
    expect(Object.keys(saved.data!)).toEqual(expect.arrayContaining([WIDGET_VIEW_MIME_TYPE, PLOTTER_MIME_TYPE]));

    // The page is reloaded while the kernel runs: the widget manager restores the model from the
    // kernel (comm_info_request, then request_state) and the output is the widget again.
    await page.reload();
    await openNotebook(page, lab, nb.rel);
    await page.waitForFunction(
      () => document.querySelector('.jp-MetricsPlotter-widget .jp-MetricsPlotter mp-metric-chart'),
      undefined,
      {
        timeout: 60000
      }
    );
    expect(await drawnBy(page)).toEqual(['widget']);
    await page.waitForFunction(
      () => document.querySelector('.jp-MetricsPlotter-widget .mp-legend-step')?.textContent === 'latest: step 99'
    );
    // The saved payload's panel drew first, then the widget took over: never an empty output between.
    expect(await blankFrames(page)).toBe(0);

    // close(): the model closes; the output shows the final payload with the panel.
    await runCell(page, 2);
    await page.waitForFunction(() => !document.querySelector('.jp-MetricsPlotter-widget'));
    expect(await drawnBy(page)).toEqual(['panel']);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.jp-MetricsPlotter .mp-state')].some(e =>
        /plotter\.close\(\) was called/.test(e.textContent ?? '')
      )
    );
    expect(listTree(nb.dir).filter(f => f.endsWith('.mp4'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a notebook saved while its widget was live, reopened once its kernel is gone, draws from the saved payload', async () => {
    const nb = notebook('widget-reopened', [SHOW, 'plotter.addScalar("loss", 0.01, 50);']);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = collectErrors(page);
    const kernelId = await openNotebook(page, lab, nb.rel);
    await runCell(page, 0);
    await page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter-widget .jp-MetricsPlotter mp-metric-chart'));
    await runCell(page, 1);
    await outputNamesModel(page);
    await command(page, 'docmanager:save');
    expect(Object.keys(savedOutputs(nb.dir)[0].data!)).toContain(WIDGET_VIEW_MIME_TYPE);
    // The kernel goes (its session ends, its files with it), then the notebook is closed and reopened.
    await lab.api('DELETE', `/api/kernels/${kernelId}`);
    await page.waitForFunction(() => /shut down/.test(document.querySelector('.jp-MetricsPlotter .mp-state')?.textContent ?? ''));
    await page.close();

    const again = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const againErrors = collectErrors(again);
    await openNotebook(again, lab, nb.rel);
    await again.waitForFunction(() => document.querySelector('.jp-MetricsPlotter mp-metric-chart'));
    await again.waitForFunction(() =>
      /earlier session/.test(document.querySelector('.jp-MetricsPlotter .mp-state')?.textContent ?? '')
    );
    expect(await drawnBy(again)).toEqual(['panel']);
    // The output carries both MIME types; jupyterlab_widgets' renderer (rank -10) would have taken
    // it and shown "model not found": ours ranks ahead of it in this notebook.
    const choice = await again.evaluate(
      ([widgetView, plotter]) => {
        const rendermime = (
          window.jupyterapp.shell.currentWidget as unknown as {
            content: { rendermime: { getRank(m: string): number; preferredMimeType(b: object, s: string): string } };
          }
        ).content.rendermime;
        return {
          widgetRank: rendermime.getRank(widgetView),
          preferred: rendermime.preferredMimeType({ [widgetView]: {}, [plotter]: {} }, 'any')
        };
      },
      [WIDGET_VIEW_MIME_TYPE, PLOTTER_MIME_TYPE]
    );
    expect(choice).toEqual({ widgetRank: -10, preferred: PLOTTER_MIME_TYPE });
    expect(await stateText(again)).toEqual(['Session ended (this output is from an earlier session); its video was removed.']);
    expect(await again.locator('text=Error displaying widget').count()).toBe(0);
    await again
      .locator('.jp-MetricsPlotter-output')
      .first()
      .screenshot({ path: path.join(REPO, 'test-results', 'widget-reopened.png') });
    expect(errors).toEqual([]);
    expect(againErrors).toEqual([]);
    await again.close();
  });
});

describe('JupyterLab without jupyterlab_widgets', () => {
  let lab: JupyterLab;
  beforeAll(async () => {
    lab = await JupyterLab.start(notebooksRoot(), undefined, { disabledExtensions: ['@jupyter-widgets/jupyterlab-manager'] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('renders through the MIME renderer, live, and the kernel never opens a widget model', async () => {
    const nb = notebook('widget-plain-lab', [SHOW, TRAIN]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = collectErrors(page);
    await openNotebook(page, lab, nb.rel);
    expect(await hasPlugin(page, WIDGETS_PLUGIN)).toBe(false);
    await command(page, 'notebook:run-all-cells');
    await waitIdleAndRun(page);
    await page.waitForFunction(
      () => document.querySelector('.jp-MetricsPlotter .mp-legend-step')?.textContent === 'latest: step 99',
      undefined,
      { timeout: 60000 }
    );
    expect(await drawnBy(page)).toEqual(['panel']);
    await command(page, 'docmanager:save');
    expect(Object.keys(savedOutputs(nb.dir)[0].data!)).not.toContain(WIDGET_VIEW_MIME_TYPE);
    expect(errors).toEqual([]); // a refused widget comm would log "Exception opening new comm"
    await page.close();
  });
});
