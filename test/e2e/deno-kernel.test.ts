/**
 * The example notebook on Deno's kernel, in a real JupyterLab and Chromium, installed as a user
 * does (docs/deno.md): metrics-plotter from `npm pack` in the folder's node_modules, Deno's own
 * kernelspec from `deno jupyter --install`. The charts are drawn from the points the kernel pushes
 * (the page cannot subscribe) and a video plays; a restart from the Kernel menu leaves the folder
 * as it was (by the watchdog: Deno runs no hook at a restart).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium } from '../support/jupyterlab';
import {
  drawnPixels,
  openNotebook,
  playFirstVideo,
  runAll,
  stateText,
  videoStates,
  restartFromKernelMenu
} from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, removeNotebookDir, waitForFolderAsItWas } from '../support/kernel-process';

jest.setTimeout(300000);

let lab: JupyterLab;
let browser: Browser;
let dir: string;
let denoHome: string;

beforeAll(async () => {
  dir = makeNotebookDir('deno-example', 'deno');
  const notebook = JSON.parse(fs.readFileSync(path.join(REPO, 'examples', 'cartpole.ipynb'), 'utf8'));
  notebook.metadata = {
    kernelspec: { display_name: 'Deno', language: 'typescript', name: 'deno' },
    language_info: { name: 'typescript' }
  };
  fs.writeFileSync(path.join(dir, 'cartpole.ipynb'), JSON.stringify(notebook, null, 1));
  // `deno jupyter --install` writes to the user's Jupyter folder (~/.local/share/jupyter), whatever
  // JUPYTER_DATA_DIR says: a HOME of its own keeps it out of this machine's, and JUPYTER_PATH shows
  // it to the server.
  denoHome = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-plotter-deno-home-'));
  execFileSync(path.join(REPO, 'node_modules', '.bin', 'deno'), ['jupyter', '--install'], {
    env: { ...process.env, HOME: denoHome },
    stdio: 'ignore'
  });
  lab = await JupyterLab.start(path.dirname(dir), undefined, {
    env: { JUPYTER_PATH: path.join(denoHome, '.local', 'share', 'jupyter') }
  });
  browser = await launchChromium();
});

afterAll(async () => {
  if (process.env.METRICS_PLOTTER_E2E_LOG) fs.writeFileSync(process.env.METRICS_PLOTTER_E2E_LOG, lab?.log() ?? '');
  await browser?.close();
  await lab?.stop();
  removeNotebookDir(dir);
  fs.rmSync(denoHome, { recursive: true, force: true });
});

it("runs the example notebook on Deno's kernel: charts drawn from the pushed stream, the video plays, and a restart leaves the folder as it was", async () => {
  const before = listTree(dir);
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(dir)}/cartpole.ipynb`);
  await runAll(page);

  // No widget under Deno (its kernel takes no messages from the page): the MIME renderer draws it.
  // Run All leaves the notebook scrolled to its end, and a chart draws once it is on screen.
  await page.locator('.jp-MetricsPlotter .mp-plot').first().scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-plot canvas').length === 2, undefined, {
    timeout: 60000
  });
  expect(await page.$$('.jp-MetricsPlotter-widget')).toHaveLength(0);
  // The page cannot ask this kernel for the live stream: the kernel pushes it, and the charts draw it.
  await page.waitForFunction(() => document.querySelector<HTMLElement>('.jp-MetricsPlotter')?.dataset.liveStream === 'pushed');
  expect(await stateText(page)).toEqual(['Live']);
  expect(await page.textContent('.jp-MetricsPlotter .mp-note')).toContain("Deno's kernel takes no messages from this page");
  for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
  const [video] = await videoStates(page);
  expect(video.error).toBeNull();
  expect(video.src).toContain(`/files/${path.basename(dir)}/assets/metrics-plotter-`);
  expect((await playFirstVideo(page)).width).toBe(240);
  expect(listTree(dir).filter(f => f.endsWith('.mp4'))).toHaveLength(5);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'deno-example.png') });

  await restartFromKernelMenu(page);
  await waitForFolderAsItWas(dir, before, 'the restart should have removed the assets').catch((err: Error) => {
    throw new Error(`${err.message}\n--- jupyter lab log (end) ---\n${lab.log().split('\n').slice(-30).join('\n')}`, {
      cause: err
    });
  });
  await page.waitForFunction(
    () =>
      document.querySelector('.jp-MetricsPlotter .mp-state')?.textContent ===
      'Session ended (the kernel was restarted); its 5 videos were removed.',
    undefined,
    { timeout: 60000 }
  );
  expect(await page.$$('.jp-MetricsPlotter video')).toHaveLength(0);
  expect(errors).toEqual([]);
  await page.close();
});
