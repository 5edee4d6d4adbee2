/**
 * Pages that go away without disposing anything, in a real JupyterLab: a crashed tab (the renderer
 * killed: no pagehide, no unload), two pages on one notebook with one crashing (the other keeps its
 * media), and a short disconnect (nothing lost). The kernels here grant a 15-second lease
 * (METRICS_PLOTTER_LEASE_SECONDS) so that the suite does not wait out the product's 90 seconds; the
 * Notebook 7 test waits out the real one. Waiting is by polling the real folder; nothing here
 * asserts a duration.
 */
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { command, crashPage, openNotebook, playFirstVideo, runCell, stateText, videoStates } from '../support/lab-page';
import {
  listTree,
  makeNotebookDir,
  notebooksRoot,
  removeNotebookDir,
  waitForFolderAsItWas,
  waitForTree
} from '../support/kernel-process';

jest.setTimeout(300_000);

const LEASE_SECONDS = 15;
const PLOTTER_CELL = `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "pages" });
for (let i = 0; i < 50; i++) plotter.addScalar("loss", 1 / (i + 1), i);
const frames = Array.from({ length: 20 }, (_, t) => ({ width: 32, height: 24, data: new Uint8Array(32 * 24 * 4).fill(t * 10) }));
await plotter.addVideoFromFrames("clip", frames, { fps: 10 });
plotter.show();`;

let lab: JupyterLab;
let browser: Browser;
const dirs: string[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  lab = await JupyterLab.start(notebooksRoot(), undefined, { env: { METRICS_PLOTTER_LEASE_SECONDS: String(LEASE_SECONDS) } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const dir of dirs) removeNotebookDir(dir);
});

/** A folder with a notebook whose plotter has run; `before`: the folder before it ran. */
async function trained(
  name: string,
  cells = [PLOTTER_CELL]
): Promise<{ dir: string; notebook: string; before: string[]; page: Page; errors: string[]; holdsAnswered: () => number }> {
  const dir = makeNotebookDir(name);
  dirs.push(dir);
  writeNotebook(path.join(dir, 'nb.ipynb'), cells);
  const before = listTree(dir);
  const notebook = `${path.basename(dir)}/nb.ipynb`;
  const { page, errors, holdsAnswered } = await newPage();
  await openNotebook(page, lab, notebook);
  await runCell(page, 0);
  await page.waitForSelector('.jp-MetricsPlotter video');
  // Until the kernel has the page's first hold, the page going away lets go of nothing: a plotter no
  // page ever held is no page's to let go of (an output shown where no extension runs keeps its
  // files until the session ends). A crash or an outage a moment after the output appeared is that.
  await waitUntil(() => holdsAnswered() > 0, "the kernel should have answered the page's hold");
  return { dir, notebook, before, page, errors, holdsAnswered };
}

/**
 * A page of its own browser context (as another browser window or machine is). `holdsAnswered`
 * counts the kernel's replies to the page's holds, read off the page's websockets.
 */
async function newPage(): Promise<{ page: Page; errors: string[]; holdsAnswered: () => number }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  let holdsAnswered = 0;
  page.on('websocket', ws =>
    ws.on('framereceived', ({ payload }) => {
      if (/"reply":\s*"hold"/.test(typeof payload === 'string' ? payload : payload.toString('utf8'))) holdsAnswered++;
    })
  );
  return { page, errors: collectErrors(page), holdsAnswered: () => holdsAnswered };
}

const mp4s = (dir: string): string[] => listTree(dir).filter(f => f.endsWith('.mp4'));
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

async function waitUntil(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !done(); await sleep(100)) if (Date.now() > end) throw new Error(what);
}

it('a crashed tab releases its views when its lease runs out: the folder is as it was, the kernel still runs', async () => {
  const s = await trained('crashed-tab');
  expect(mp4s(s.dir)).toHaveLength(1);
  await crashPage(s.page);
  await waitForFolderAsItWas(s.dir, s.before, 'the crashed tab should have let go of its video', 4 * LEASE_SECONDS * 1000);
  expect(await lab.kernels()).not.toHaveLength(0);
  expect(s.errors).toEqual([]);
});

it('two pages on one notebook: when one crashes the other keeps its media; when it crashes too, they go', async () => {
  const s = await trained('two-pages');
  // The notebook saved with its live output, then opened in a second page (another window).
  await command(s.page, 'docmanager:save');
  const other = await newPage();
  await openNotebook(other.page, lab, s.notebook);
  await other.page.waitForSelector('.jp-MetricsPlotter video');
  await waitUntil(() => other.holdsAnswered() > 0, "the kernel should have answered the second page's hold");
  await crashPage(s.page);
  // Two leases later, the first page's holds have long run out; the second page's have not.
  await sleep(2 * LEASE_SECONDS * 1000);
  expect(mp4s(s.dir)).toHaveLength(1);
  const [video] = await videoStates(other.page);
  expect(video.error).toBeNull();
  expect((await playFirstVideo(other.page)).width).toBe(32);
  await crashPage(other.page);
  await waitForFolderAsItWas(
    s.dir,
    s.before,
    'the second crashed page should have let go of the video',
    4 * LEASE_SECONDS * 1000
  );
  // The second page's widget manager opens a `jupyter.widget.control` comm, which tslab's comms
  // close as ipykernel closes an unknown target; the close goes to every client over iopub, and the
  // first page's JupyterLab logs "Comm not found" for a comm it never had. Every other error counts.
  expect(s.errors.filter(e => !/^Comm not found for comm id [0-9a-f-]{36} /.test(e))).toEqual([]);
  expect(other.errors).toEqual([]);
});

it('a short disconnect (the page offline for a third of a lease) loses nothing: the video still plays', async () => {
  const s = await trained('short-disconnect');
  // Loaded before the network goes (a video whose loading the outage cuts stalls in Chromium).
  expect((await videoStates(s.page))[0].error).toBeNull();
  await s.page.context().setOffline(true);
  await sleep((LEASE_SECONDS * 1000) / 3);
  await s.page.context().setOffline(false);
  // Past the lease the page had when it went offline: it renewed once back.
  await sleep(LEASE_SECONDS * 1000);
  expect(mp4s(s.dir)).toHaveLength(1);
  const [video] = await videoStates(s.page);
  expect(video.error).toBeNull();
  expect((await playFirstVideo(s.page)).width).toBe(32);
  await s.page.close();
});

it('a long absence (offline for two leases, a laptop asleep): the videos go, the output stays live with their stills, and a video logged after it came back plays', async () => {
  const later =
    'await plotter.addVideoFromFrames("clip", frames.map(f => ({ ...f, data: f.data.map(v => 255 - v) })), { fps: 10, step: 60 });';
  const s = await trained('long-absence', [PLOTTER_CELL, later]);
  await s.page.context().setOffline(true);
  await waitForTree(
    s.dir,
    t => !t.some(f => f.endsWith('.mp4')),
    'the absent page should have let go of the video',
    4 * LEASE_SECONDS * 1000
  );
  await s.page.context().setOffline(false);
  // Back: the kernel still has the plotter open; the output says so, and shows the still where the file was.
  await s.page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter mp-media-card')?.textContent?.includes('A still of this video'),
    undefined,
    {
      timeout: 60000
    }
  );
  expect(await stateText(s.page)).toEqual(['Live']);
  // JupyterLab said it lost the server while offline; the researcher dismisses that, then trains on.
  if (await s.page.locator('.jp-Dialog').count()) {
    await s.page.keyboard.press('Escape');
    await s.page.waitForSelector('.jp-Dialog', { state: 'detached' });
  }
  await runCell(s.page, 1);
  await waitForTree(
    s.dir,
    t => t.filter(f => f.endsWith('.mp4')).length === 1,
    'the video logged after the page came back should have a file'
  );
  await s.page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter video'), undefined, { timeout: 60000 });
  const [video] = await videoStates(s.page);
  expect(video.error).toBeNull();
  expect(await stateText(s.page)).toEqual(['Live']);
  await s.page.close();
});
