/**
 * The example notebook on Deno's kernel, in a real JupyterLab and Chromium, installed as a user does:
 * docs/deno.md's install commands run as written (metrics-plotter from `npm pack` output) in a fresh
 * folder outside this checkout, with a fresh venv's JupyterLab from PyPI active, and the notebook
 * importing `npm:metrics-plotter` as Deno's users write it. The charts are drawn from the points the
 * kernel pushes (the page cannot subscribe) and a video plays; a restart from the Kernel menu leaves
 * the folder as it was (by the watchdog: Deno runs no hook at a restart).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { docCommands, packTarball, userShell, venvWithJupyterLab } from '../support/as-a-user';
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
import { REPO, listTree, waitForFolderAsItWas } from '../support/kernel-process';

jest.setTimeout(600_000);

let work: string;
let venv: string;
let folder: string;
let lab: JupyterLab;
let browser: Browser;
/**
 * The user's data folder (XDG_DATA_HOME), where `deno jupyter --install` writes its kernelspec
 * (it ignores JUPYTER_DATA_DIR) and Jupyter finds it: one of the test's own, not this machine's.
 */
let dataHome: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-deno-as-a-user-'));
  const tarball = packTarball(work);
  venv = path.join(work, 'venv');
  venvWithJupyterLab(venv);
  folder = path.join(work, 'my-experiments');
  dataHome = path.join(work, 'data');
  fs.mkdirSync(folder);

  // The package is the packed tarball until it is on the registry.
  const commands = docCommands('docs/deno.md', '## Install');
  expect(commands[0]).toMatch(/^npm install metrics-plotter /);
  for (const line of commands)
    userShell(line.replace(/^npm install metrics-plotter /, `npm install ${tarball} `), {
      cwd: folder,
      venv,
      env: { XDG_DATA_HOME: dataHome }
    });
  expect(fs.existsSync(path.join(dataHome, 'jupyter', 'kernels', 'deno', 'kernel.json'))).toBe(true);

  // The example as a Deno user writes it: its kernel, and the package by its npm: specifier.
  const notebook = JSON.parse(fs.readFileSync(path.join(REPO, 'examples', 'cartpole.ipynb'), 'utf8'));
  notebook.metadata = {
    kernelspec: { display_name: 'Deno', language: 'typescript', name: 'deno' },
    language_info: { name: 'typescript' }
  };
  for (const cell of notebook.cells)
    cell.source = [].concat(cell.source).map((l: string) => l.replace('from "metrics-plotter"', 'from "npm:metrics-plotter"'));
  expect(JSON.stringify(notebook)).toContain('npm:metrics-plotter');
  fs.writeFileSync(path.join(folder, 'cartpole.ipynb'), JSON.stringify(notebook, null, 1));

  lab = await JupyterLab.start(work, venv, { env: { XDG_DATA_HOME: dataHome }, tslab: false });
  browser = await launchChromium();
});

afterAll(async () => {
  if (process.env.METRICS_PLOTTER_E2E_LOG) fs.writeFileSync(process.env.METRICS_PLOTTER_E2E_LOG, lab?.log() ?? '');
  await browser?.close();
  await lab?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

it("runs the example notebook on Deno's kernel: charts drawn from the pushed stream, the video plays, and a restart leaves the folder as it was", async () => {
  const before = listTree(folder);
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(folder)}/cartpole.ipynb`);
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
  expect(video.src).toContain(`/files/${path.basename(folder)}/assets/metrics-plotter-`);
  expect((await playFirstVideo(page)).width).toBe(240);
  expect(listTree(folder).filter(f => f.endsWith('.mp4'))).toHaveLength(5);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'deno-example.png') });

  await restartFromKernelMenu(page);
  await waitForFolderAsItWas(folder, before, 'the restart should have removed the assets').catch((err: Error) => {
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
