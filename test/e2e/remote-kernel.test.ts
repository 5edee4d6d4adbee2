/**
 * A remote kernel, as a team whose kernels run elsewhere meets it: JupyterLab in front of Jupyter
 * Kernel Gateway (`--gateway-url`), the kernel started in the gateway's own folder, which the
 * JupyterLab server does not serve. The live stream must not break the kernel's connection (the
 * server's gateway relay reads every frame as text), the next cell answers, the chart is drawn,
 * the video plays from bytes the kernel sends, and closing the notebook or shutting the kernel down
 * removes the files.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { KernelGateway } from '../support/kernel-gateway';
import { command, openNotebook, playFirstVideo, runCell, stateText, widgetOutputsDrawn } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(300000);

const CELLS = [
  `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "remote" });
for (let s = 0; s < 200; s++) plotter.addScalar("loss", 1 / (s + 1), s);
const frames = Array.from({ length: 30 }, (_, t) => ({ width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(t * 8) }));
await plotter.addVideoFromFrames("rollout", frames, { fps: 10, step: 199 });
plotter.show();`,
  `for (let s = 200; s < 400; s++) { plotter.addScalar("loss", 1 / (s + 1), s); await new Promise(r => setTimeout(r, 5)); }
console.log("trained to", 400);`,
  'console.log("still answering");'
];

let gateway: KernelGateway;
let lab: JupyterLab;
let browser: Browser;
let kernels: string;
let notebooks: string;

beforeAll(async () => {
  kernels = makeNotebookDir('gateway-kernels');
  notebooks = makeNotebookDir('gateway-lab');
  writeNotebook(path.join(notebooks, 'remote.ipynb'), CELLS);
  writeNotebook(path.join(notebooks, 'shutdown.ipynb'), CELLS.slice(0, 1));
  gateway = await KernelGateway.start(kernels);
  lab = await JupyterLab.start(notebooks, undefined, { extraArgs: gateway.labArgs });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  await gateway?.stop();
  removeNotebookDir(kernels);
  removeNotebookDir(notebooks);
});

/**
 * Console errors of the page but JupyterLab's own first websocket attempt: behind a gateway the
 * server refuses the subprotocol JupyterLab offers, and it reconnects without (logged by Chromium).
 */
const oursOnly = (errors: string[]): string[] => errors.filter(e => !/Sec-WebSocket-Protocol/.test(e));

/**
 * Opens a notebook through the gateway. Now and then the server's relay to the gateway's websocket
 * never connects: the kernel stays "unknown", and the server's log ends at a websocket closed and
 * reconnected to the gateway (seen once in a CI run; the same test passed on the same code before
 * and after). A researcher reloads the page, and so does this, once.
 */
async function openThroughGateway(page: Page, relPath: string): Promise<void> {
  try {
    await openNotebook(page, lab, relPath, gateway.log, 60000);
  } catch (e) {
    console.warn(`reloading once: ${(e as Error).message.split('\n')[0]}`);
    await openNotebook(page, lab, relPath, gateway.log);
  }
}

const assetsOf = (): string[] => listTree(kernels).filter(p => p.startsWith('assets'));

it('through a kernel gateway: charts drawn live, the next cell answers, the video plays from the kernel, closing the notebook removes the files', async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = collectErrors(page);
  await openThroughGateway(page, 'remote.ipynb');
  await runCell(page, 0);
  await widgetOutputsDrawn(page);
  await runCell(page, 1);
  // The live stream ran (the chart follows the training cell) and the kernel still answers.
  await page.waitForFunction(
    () => {
      const u = (document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as { uplot?: { data: number[][] } })
        .uplot;
      return u?.data[0].at(-1) === 399;
    },
    undefined,
    { timeout: 30000 }
  );
  await runCell(page, 2);
  expect(await page.locator('.jp-OutputArea-output', { hasText: 'still answering' }).count()).toBe(1);
  expect(lab.log()).not.toMatch(/UnicodeDecodeError|Exception reading message from websocket/);

  // The server cannot see the kernel's folder: the video comes from the kernel, and plays.
  expect(fs.existsSync(path.join(notebooks, 'assets'))).toBe(false);
  expect(assetsOf().some(p => p.endsWith('.mp4'))).toBe(true);
  const played = await playFirstVideo(page);
  expect(played).toMatchObject({ width: 64, height: 48 });
  expect(played.currentTime).toBeGreaterThan(0);
  expect((await stateText(page)).join(' ')).not.toMatch(/removed|earlier session/i);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'remote-kernel.png') });

  // Closing the notebook's tab releases the view (the kernel keeps running): the kernel removes its files.
  await command(page, 'docmanager:save');
  await command(page, 'application:close');
  await page.waitForFunction(() => !document.querySelector('.jp-NotebookPanel'), undefined, { timeout: 30000 });
  for (let i = 0; i < 300 && assetsOf().length; i++) await new Promise(r => setTimeout(r, 100));
  expect(assetsOf()).toEqual([]);
  expect((await lab.kernels()).length).toBe(1);
  expect(oursOnly(errors)).toEqual([]);
  await page.close();
});

it('through a kernel gateway: shutting the kernel down removes its files', async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = collectErrors(page);
  await openThroughGateway(page, 'shutdown.ipynb');
  await runCell(page, 0);
  await widgetOutputsDrawn(page);
  expect(assetsOf().some(p => p.endsWith('.mp4'))).toBe(true);
  await command(page, 'kernelmenu:shutdown');
  for (let i = 0; i < 300 && assetsOf().length; i++) await new Promise(r => setTimeout(r, 100));
  expect(assetsOf()).toEqual([]);
  expect(oursOnly(errors)).toEqual([]);
  await page.close();
});
