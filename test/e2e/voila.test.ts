/**
 * Voilà dashboards: Voilà 0.5 from PyPI in a Python without JupyterLab (how a dashboard server is
 * set up, `.venv-voila`, made by scripts/test.sh), the package from `npm pack` output installed as a
 * user installs it, and `npx metrics-plotter install` putting the extension into that Python (Voilà
 * loads JupyterLab extensions without JupyterLab). A notebook that shows a plotter, logs 600 points
 * and a video is served with `voila dash.ipynb`; its output must be live there, and its files must go
 * however the dashboard ends: its tab closed, its tab crashed and its kernel culled by Voilà, Voilà
 * stopped. The kernels grant an hour's lease (METRICS_PLOTTER_LEASE_SECONDS), so no file goes here
 * because a lease ran out. Waiting is by polling the real folder; nothing here asserts a duration.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { packTarball, run, userShell } from '../support/as-a-user';
import { JupyterServerProcess } from '../support/jupyter-server';
import { collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { accessibilityViolations, crashPage, drawnPixels, playFirstVideo, videoStates } from '../support/lab-page';
import { REPO, listTree, waitForFolderAsItWas } from '../support/kernel-process';
import { freePort } from '../support/ports';

jest.setTimeout(600_000);

const VOILA_VENV = path.join(REPO, '.venv-voila');
const PYTHON = path.join(VOILA_VENV, 'bin', 'python');
/** Kernels Voilà's culler may end: idle this long with no page connected. */
const CULL_IDLE_SECONDS = 20;

const DASHBOARD_CELLS = [
  `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "Dashboard" });
plotter.show();`,
  `for (let i = 0; i < 600; i++) plotter.addScalar("return", Math.sin(i / 50) * 100 + i / 3, i);
const frames = Array.from({ length: 20 }, (_, t) => {
  const data = new Uint8Array(64 * 48 * 3);
  for (let p = 0; p < data.length; p += 3) { data[p] = (t * 12) % 256; data[p + 1] = p % 256; data[p + 2] = 128; }
  return { width: 64, height: 48, data };
});
await plotter.addVideoFromFrames("rollout", frames, { fps: 10 });
"logged";`
];

let work: string;
let dashboards: string;
let before: string[];
let voila: JupyterServerProcess | null = null;
let port: number;
let browser: Browser;

async function startVoila(): Promise<void> {
  port = await freePort();
  voila = await JupyterServerProcess.start({
    name: 'voila',
    venv: VOILA_VENV,
    command: 'voila',
    args: [
      'dash.ipynb',
      '--no-browser',
      `--port=${port}`,
      '--Voila.ip=127.0.0.1',
      // As Voilà's docs suggest for a public server: kernels no page is connected to end when idle.
      `--MappingKernelManager.cull_idle_timeout=${CULL_IDLE_SECONDS}`,
      '--MappingKernelManager.cull_interval=5'
    ],
    cwd: dashboards,
    env: () => ({ METRICS_PLOTTER_LEASE_SECONDS: '3600' }),
    ready: async () => (await fetch(`http://127.0.0.1:${port}/voila/static/favicon.ico`)).ok
  });
}

beforeAll(async () => {
  const probe = run(PYTHON, [
    '-c',
    'import importlib.util as u; print(bool(u.find_spec("voila")), bool(u.find_spec("jupyterlab")))'
  ]);
  if (probe.trim() !== 'True False') {
    throw new Error(`${VOILA_VENV} should hold Voilà without JupyterLab (it holds: ${probe.trim()}); scripts/test.sh makes it`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-voila-'));
  const tarball = packTarball(work);
  userShell(`npm install --no-audit --no-fund ${tarball} tslab`, { cwd: work, venv: VOILA_VENV });
  const installed = userShell(`npx metrics-plotter install --python "$(which python)"`, { cwd: work, venv: VOILA_VENV });
  expect(installed).toContain('(the extension, for Voilà)');
  expect(installed).toContain('installed for the Voilà of');
  dashboards = path.join(work, 'dashboards');
  fs.mkdirSync(dashboards);
  writeNotebook(path.join(dashboards, 'dash.ipynb'), DASHBOARD_CELLS);
  before = listTree(dashboards);
  await startVoila();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await voila?.stop();
  if (work) {
    userShell(`npx metrics-plotter uninstall --python "$(which python)"`, { cwd: work, venv: VOILA_VENV });
    fs.rmSync(work, { recursive: true, force: true });
  }
});

/**
 * The dashboard in a new tab, once its output is live with the chart drawn; the errors of that page
 * that are ours. Two kinds are Voilà's with any tslab notebook: it asks a CDN for fonts, which this
 * machine cannot reach, and each of its two kernel connections opens a `jupyter.widget.control`
 * comm, which tslab refuses with a comm_close that the other connection logs as "Comm not found".
 */
async function openDashboard(): Promise<{ page: Page; errors: () => string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(`http://127.0.0.1:${port}/`, { timeout: 180_000 });
  const output = page.locator('.jp-MetricsPlotter').first();
  await output.getByText('Live', { exact: true }).waitFor({ timeout: 120_000 });
  await page.getByText('latest: step 599').waitFor({ timeout: 60_000 });
  const voilas = (e: string): boolean =>
    /ERR_NAME_NOT_RESOLVED/.test(e) || /^Comm not found for comm id (?!metrics-plotter)/.test(e);
  return { page, errors: () => errors.filter(e => !voilas(e)) };
}

test("served by Voilà, the dashboard's output is live: its chart draws the 600 points, its video plays from the kernel, and nothing it cannot do there is offered", async () => {
  const { page, errors } = await openDashboard();
  for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
  // Voilà's page serves no files of the notebook's folder: the kernel sends the video's bytes.
  const [video] = await videoStates(page);
  expect(video.error).toBeNull();
  expect(video.src).toMatch(/^blob:/);
  expect(await playFirstVideo(page)).toMatchObject({ width: 64, height: 48 });
  // Baselines live in a notebook's metadata, which a dashboard has none of: no pin is offered.
  expect(await page.locator('.jp-MetricsPlotter').getByRole('button', { name: /pin/i }).count()).toBe(0);
  expect(await accessibilityViolations(page)).toEqual([]);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'voila.png') });
  expect(errors()).toEqual([]);

  // Closing the tab: Voilà's own kernel shutdown on unload is refused (voila-dashboards/voila#1458),
  // the page releases its view on the way out, and the files go.
  await page.close({ runBeforeUnload: true });
  await waitForFolderAsItWas(dashboards, before, "closing the dashboard's tab should have removed its video");
});

test('a crashed dashboard tab: Voilà culls its idle kernel, and the files go with it', async () => {
  const { page } = await openDashboard();
  expect(listTree(dashboards).some(f => f.endsWith('rollout.mp4'))).toBe(true);
  await crashPage(page);
  await page.close();
  await waitForFolderAsItWas(
    dashboards,
    before,
    "Voilà's culler should have ended the crashed tab's kernel, and its video with it",
    (CULL_IDLE_SECONDS + 120) * 1000
  );
  expect(voila!.log()).toMatch(/Culling .*kernel/);
});

test('Voilà stopped with a dashboard open: the folder is as it was, and the page says the session ended and its video was removed', async () => {
  const { page, errors } = await openDashboard();
  await voila!.stop();
  voila = null;
  await waitForFolderAsItWas(dashboards, before, 'stopping Voilà should have removed the video');
  const status = page
    .locator('.jp-MetricsPlotter')
    .first()
    .getByText('Session ended (the kernel was shut down); its video was removed.');
  await status.waitFor({ timeout: 60_000 });
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'voila-stopped.png') });
  // The page lost its server: what it logs about that is the browser's, not ours.
  expect(errors().filter(e => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e))).toEqual([]);
  await page.close();
});
