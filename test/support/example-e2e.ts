/**
 * The prelude the e2e tests of an example share: the example notebook copied into a fresh notebook
 * folder, a Jupyter server of a venv serving it (JupyterLab, or Notebook 7), and Chromium; all
 * stopped and removed after the file's tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { JupyterLab, VENV, launchChromium } from './jupyterlab';
import { REPO, makeNotebookDir, removeNotebookDir } from './kernel-process';

export interface ServedExample {
  /** The server (JupyterLab or Notebook 7). */
  readonly lab: JupyterLab;
  readonly browser: Browser;
  /** The notebook folder the example was copied into. */
  readonly dir: string;
  /** The notebook's path relative to the server's root, as openNotebook takes it. */
  readonly notebook: string;
}

/** Registers the file's beforeAll and afterAll; the returned object is filled in by beforeAll. */
/** Files an example needs beside it in its folder. */
const BESIDE: Record<string, string[]> = { 'cluster-sweep.ipynb': ['cartpole-job.cjs'] };

export function serveExample(
  example: 'cartpole.ipynb' | 'sweep.ipynb' | 'cluster-sweep.ipynb',
  folderName: string,
  { venv = VENV, app = 'lab' as 'lab' | 'notebook' } = {}
): ServedExample {
  const served = {} as { -readonly [K in keyof ServedExample]: ServedExample[K] };
  beforeAll(async () => {
    served.dir = makeNotebookDir(folderName);
    for (const file of [example, ...(BESIDE[example] ?? [])])
      fs.copyFileSync(path.join(REPO, 'examples', file), path.join(served.dir, file));
    served.notebook = `${path.basename(served.dir)}/${example}`;
    served.lab = await JupyterLab.start(path.dirname(served.dir), venv, { app });
    served.browser = await launchChromium();
  });
  afterAll(async () => {
    await served.browser?.close();
    await served.lab?.stop();
    if (served.dir) removeNotebookDir(served.dir);
  });
  return served;
}
