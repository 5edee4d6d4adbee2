/**
 * The oldest JupyterLab the extension declares (4.0, in a venv of its own that scripts/test.sh
 * makes), with the extension and kernel installed as `npx metrics-plotter install` does: the
 * example's charts drawn and its video playing, a restart leaving the folder as it was, and the page
 * loading the extension without an "Unsatisfied version" warning of its own (it asks only for what
 * 4.0 has). jupyterlab_widgets' extension, built against a newer JupyterLab, has warnings of its own
 * there: a warning is ours when it names a module with the range our build asks for.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { OLDEST_VENV } from '../support/jupyterlab';
import { openNotebook, restartFromKernelMenu, runExampleDrawnAndPlaying } from '../support/lab-page';
import { REPO, listTree, waitForFolderAsItWas } from '../support/kernel-process';
import { serveExample } from '../support/example-e2e';

jest.setTimeout(300000);

const example = serveExample('cartpole.ipynb', 'oldest-lab', { venv: OLDEST_VENV });

/** What our prebuilt extension asks of each shared module (its remoteEntry's `requiredVersion`s). */
function ourRequirements(): Map<string, string> {
  const staticDir = path.join(OLDEST_VENV, 'share', 'jupyter', 'labextensions', 'metrics-plotter', 'static');
  const entry = fs.readdirSync(staticDir).find(f => /^remoteEntry\..*\.js$/.test(f))!;
  const js = fs.readFileSync(path.join(staticDir, entry), 'utf8');
  return new Map([...js.matchAll(/"(@[^"]+)",import:[^,]*,requiredVersion:"([^"]+)"/g)].map(m => [m[1], m[2]]));
}

it('JupyterLab 4.0: the example draws and plays, a restart leaves the folder as it was, and no version warning is logged', async () => {
  const { lab, browser, dir, notebook } = example;
  const version = JSON.parse(fs.readFileSync(path.join(OLDEST_VENV, 'share', 'jupyter', 'lab', 'static', 'package.json'), 'utf8'))
    .version as string;
  expect(version).toMatch(/^4\.0\./);
  const before = listTree(dir);
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // JupyterLab 4.0 itself throws from its cell windowing (`_onCellInViewportChanged`, every frame in
  // its own jlab_core bundle) when a notebook scrolls: not ours to judge. Every other error counts.
  const errors: string[] = [];
  page.on('console', msg => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', err => {
    const frames = (err.stack ?? '').split('\n').filter(l => /^\s+at /.test(l));
    if (!frames.length || !frames.every(f => !/https?:/.test(f) || /\/static\/lab\/jlab_core\./.test(f)))
      errors.push(String(err));
  });
  const ours = ourRequirements();
  expect(ours.get('@jupyterlab/rendermime')).toBe('^4.0.0');
  const warnings: string[] = [];
  page.on('console', msg => {
    const m = /Unsatisfied version .* of shared singleton module (\S+) \(required (\S+)\)/.exec(msg.text());
    if (m && ours.get(m[1]) === m[2]) warnings.push(msg.text());
  });
  await openNotebook(page, lab, notebook);
  await runExampleDrawnAndPlaying(page, path.join(REPO, 'test-results', 'jupyterlab-4.0.png'));

  await restartFromKernelMenu(page);
  await waitForFolderAsItWas(dir, before, 'the restart should have removed the videos');
  expect(warnings).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});
