/**
 * Outputs that read where the extension does not run, seen as their readers see them: the example
 * notebook run headless (`jupyter nbconvert --execute`), rendered to HTML by `jupyter nbconvert --to
 * html` (what nbviewer shows) and opened in Chromium; and the same notebook in a JupyterLab with the
 * extension switched off. The charts are there, as images; what the output says is true after the
 * run; the folder is as it was.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, VENV, collectErrors, launchChromium, requireSetup } from '../support/jupyterlab';
import { openNotebook } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(300000);

let browser: Browser;
let dir: string;
let home: string;

/** `jupyter nbconvert …` of the venv in `dir`, isolated from the user's Jupyter config. */
function nbconvert(args: string[]): void {
  const r = spawnSync(path.join(VENV, 'bin', 'jupyter'), ['nbconvert', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      PATH: `${path.join(VENV, 'bin')}${path.delimiter}${process.env.PATH}`
    }
  });
  if (r.status !== 0) throw new Error(`jupyter nbconvert ${args.join(' ')} failed:\n${r.stderr}`);
}

/** Chart images of plotter outputs on the page, once each has loaded: their natural sizes. */
async function chartImages(page: Page, within: string): Promise<Array<{ width: number; alt: string }>> {
  const selector = `${within} img[src^="data:image/svg+xml,"]`;
  await page.waitForFunction(
    s => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>(s)];
      return imgs.length > 0 && imgs.every(i => i.complete);
    },
    selector,
    { timeout: 60000 }
  );
  return page.$$eval(selector, imgs => (imgs as HTMLImageElement[]).map(i => ({ width: i.naturalWidth, alt: i.alt })));
}

beforeAll(async () => {
  requireSetup();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-plotter-nbconvert-'));
  dir = makeNotebookDir('headless');
  fs.copyFileSync(path.join(REPO, 'examples', 'cartpole.ipynb'), path.join(dir, 'cartpole.ipynb'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  removeNotebookDir(dir);
  fs.rmSync(home, { recursive: true, force: true });
});

it('a headless run (nbconvert --execute) leaves the folder as it was, and its HTML (nbconvert --to html) shows the charts', async () => {
  const before = listTree(dir);
  nbconvert(['--to', 'notebook', '--execute', 'cartpole.ipynb', '--output', 'executed.ipynb']);
  expect(listTree(dir)).toEqual([...before, 'executed.ipynb'].sort());

  nbconvert(['--to', 'html', 'executed.ipynb']);
  const html = fs.readFileSync(path.join(dir, 'executed.html'), 'utf8');
  // Nothing in it points at files that are gone (the example's own text names the folder as
  // `assets/metrics-plotter-<id>/`) or at this machine's Python.
  expect(html).not.toMatch(/assets\/metrics-plotter-(?!&lt;id&gt;)/);
  expect(html).not.toContain(VENV);
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(`file://${path.join(dir, 'executed.html')}`);
  const charts = await chartImages(page, 'body');
  expect(charts.map(c => c.alt.replace(/,.*/, ''))).toEqual(['Chart of return', 'Chart of policy norm']);
  expect(charts[0].alt).toMatch(
    /^Chart of return, 2 lines\. return\/candidate: (rising|falling|flat) from \S+ to \S+ \(step 0 to step 149\), between /
  );
  for (const c of charts) expect(c.width).toBe(360); // decoded: a broken image has no natural size
  // A still of each media name's latest entry, in place of videos that are gone.
  const stills = await page.$$eval('img[src^="data:image/jpeg;base64,"]', imgs =>
    (imgs as HTMLImageElement[]).map(i => ({ width: i.complete ? i.naturalWidth : 0, alt: i.alt }))
  );
  expect(stills.map(s => s.alt.replace(/:.*/, ''))).toEqual([
    'Still of rollout · step 149',
    'Still of best policy rollout · step 149'
  ]);
  for (const s of stills) expect(s.width).toBe(120);
  expect(await page.textContent('body')).toContain(
    "Saved by a headless run (jupyter nbconvert): the plotter's videos and images are removed when the run ends."
  );
  await page.locator('img[src^="data:image/svg+xml,"]').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(REPO, 'test-results', 'headless-html.png') });
  // nbconvert's own template loads require.js and MathJax from a CDN, which this machine cannot reach.
  expect(errors.filter(e => !e.includes('(https://cdnjs.cloudflare.com/'))).toEqual([]);
  await page.close();
});

it('a JupyterLab without the extension shows the saved static charts of an untrusted notebook', async () => {
  const lab = await JupyterLab.start(path.dirname(dir), undefined, { disabledExtensions: ['metrics-plotter'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await openNotebook(page, lab, `${path.basename(dir)}/executed.ipynb`);
    expect(await page.$$('.jp-MetricsPlotter')).toHaveLength(0);
    const charts = await chartImages(page, '.jp-OutputArea-output');
    expect(charts).toHaveLength(2);
    for (const c of charts) expect(c.width).toBe(360);
    await page.locator('.jp-OutputArea-output img[src^="data:image/svg+xml,"]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(REPO, 'test-results', 'lab-without-extension.png') });
    await page.close();
  } finally {
    await lab.stop();
  }
});
