/**
 * Notebook 7 (the `notebook` package: each notebook a browser tab of its own), with the extension
 * and kernel installed as `npx metrics-plotter install` does: the example notebook's charts drawn
 * and a video playing, a kernel restart leaving the folder as it was, and — how Notebook 7's users
 * close a notebook — closing its tab, which leaves the kernel running and disposes no output: the
 * page's leases run out and the videos go (docs/cleanup.md, "Pages that go away"). The product's
 * own lease is used here (no test setting), so the wait is the bound users get.
 */
import * as path from 'path';
import { collectErrors } from '../support/jupyterlab';
import { openNotebook, restartFromKernelMenu, runAll, runExampleDrawnAndPlaying } from '../support/lab-page';
import { REPO, listTree, waitForFolderAsItWas, waitForTree } from '../support/kernel-process';
import { serveExample } from '../support/example-e2e';

jest.setTimeout(600_000);

const example = serveExample('cartpole.ipynb', 'notebook7', { app: 'notebook' });

const mp4s = (tree: string[]): string[] => tree.filter(f => f.endsWith('.mp4'));

it('Notebook 7: the example draws and plays, a restart leaves the folder as it was, and closing the tab removes the videos within two minutes', async () => {
  const { lab: server, browser, dir, notebook } = example;
  const before = listTree(dir);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, server, notebook);
  expect(page.url()).toContain('/notebooks/'); // Notebook 7's own page, not JupyterLab's
  await runExampleDrawnAndPlaying(page, path.join(REPO, 'test-results', 'notebook7.png'));

  await restartFromKernelMenu(page);
  await waitForFolderAsItWas(dir, before, 'the restart should have removed the videos');

  // Trained again, then the tab closed: Notebook 7 keeps the kernel running and disposes nothing.
  await runAll(page);
  await waitForTree(dir, t => mp4s(t).length > 0, 'the second run should have written its videos');
  await page.close({ runBeforeUnload: false });
  await waitForFolderAsItWas(dir, before, 'closing the tab should have removed the videos within two minutes', 120_000);
  expect(await server.kernels()).toHaveLength(1);
  // Notebook 7's own shortcut settings code (its notebook_core bundle) throws "reading 'schema'"
  // when another plugin's settings change: not ours to judge. Every other error counts.
  expect(errors.filter(e => !/\/static\/notebook\/notebook_core\.[0-9a-f]+\.js/.test(e))).toEqual([]);
});
