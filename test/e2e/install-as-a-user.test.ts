/**
 * Installed as a user meets it: the README's own-folder commands, run as written, with the package
 * from `npm pack` output (never a link to this checkout) in a fresh folder outside the checkout,
 * and a fresh venv with JupyterLab from PyPI. Then a notebook there runs in that JupyterLab and
 * Chromium; uninstall undoes install; and the Python route (pip install of the checkout) installs
 * and removes the extension the way pip does.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { docCommands, packTarball, run, userShell as shell, venvWithJupyterLab } from '../support/as-a-user';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { command, drawnPixels, openNotebook, playFirstVideo, runAll, videoStates } from '../support/lab-page';
import { REPO, listTree } from '../support/kernel-process';

jest.setTimeout(900_000);

let work: string;
let venv: string;
let folder: string;
let tarball: string;
let browser: Browser;

/** The shell of a user whose JupyterLab venv is active, in the notebook's folder. */
function userShell(line: string): string {
  return shell(line, { cwd: folder, venv });
}

function du(dir: string): number {
  return Number(run('du', ['-sb', dir]).split('\t')[0]);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-as-a-user-'));
  tarball = packTarball(work);
  venv = path.join(work, 'venv');
  venvWithJupyterLab(venv);
  folder = path.join(work, 'my-experiments');
  fs.mkdirSync(folder);
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const shareJupyter = (): string[] => listTree(path.join(venv, 'share', 'jupyter'));
let beforeInstall: string[];

test("the README's own-folder commands, from npm pack output, give a notebook whose charts draw, whose video plays, and whose assets go with it", async () => {
  const commands = docCommands('README.md', '## Install into your own notebook folder');
  expect(commands.length).toBeLessThanOrEqual(3);
  expect(commands[commands.length - 1]).toBe('jupyter lab');
  beforeInstall = shareJupyter();
  const sizeBefore = du(folder);
  for (const line of commands.slice(0, -1)) {
    // The package is not on the registry yet: the tarball stands in for its name, as the README says.
    userShell(line.replace(/^npm install metrics-plotter /, `npm install --no-audit --no-fund ${tarball} `));
  }
  const installed = path.join(folder, 'node_modules', 'metrics-plotter');
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
  // The kernel side only: nothing of JupyterLab's frontend in the notebook folder.
  for (const frontend of ['@jupyterlab', '@lumino', 'lit', 'uplot', 'react-dom']) {
    expect({ frontend, there: fs.existsSync(path.join(folder, 'node_modules', frontend)) }).toEqual({ frontend, there: false });
  }
  console.log(
    `notebook folder: ${sizeBefore} bytes before, ${du(folder)} after npm install (node_modules: ${du(path.join(folder, 'node_modules'))}; metrics-plotter itself: ${du(installed)})`
  );
  const kernelSpec = JSON.parse(fs.readFileSync(path.join(venv, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  // The kernel preloads the installed package's socket fix (see docs/remote-kernels.md), then starts this folder's tslab.
  expect(kernelSpec.argv.slice(0, 4)).toEqual([
    process.execPath,
    '--require',
    path.join(fs.realpathSync(installed), 'lib', 'kernel', 'host', 'router-handover.js'),
    fs.realpathSync(path.join(folder, 'node_modules', 'tslab', 'bin', 'tslab'))
  ]);

  writeNotebook(path.join(folder, 'train.ipynb'), [
    `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "my run" });
for (let i = 0; i < 200; i++) plotter.addScalar("loss", Math.exp(-i / 50) + 0.05 * Math.sin(i), i);
const frames = Array.from({ length: 30 }, (_, t) => ({ width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).map((_, k) => (k % 4 === 3 ? 255 : (t * 8 + k) & 255)) }));
await plotter.addVideoFromFrames("rollout", frames, { fps: 15 });
plotter.show();`
  ]);
  const before = listTree(folder);
  const lab = await JupyterLab.start(folder, venv);
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = collectErrors(page);
    await openNotebook(page, lab, 'train.ipynb');
    await runAll(page);
    await page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter .mp-state')?.textContent === 'Live', undefined, {
      timeout: 60000
    });
    for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
    const [video] = await videoStates(page);
    expect(video.error).toBeNull();
    expect((await playFirstVideo(page)).currentTime).toBeGreaterThan(0);
    expect(listTree(folder).some(f => /^assets\/metrics-plotter-[^/]+\/rollout\.mp4$/.test(f))).toBe(true);
    await command(page, 'docmanager:save');
    await command(page, 'application:close');
    const settled = (t: string[]) => t.filter(f => !f.startsWith('.ipynb_checkpoints'));
    for (let i = 0; i < 600 && JSON.stringify(settled(listTree(folder))) !== JSON.stringify(settled(before)); i++)
      await new Promise(r => setTimeout(r, 100));
    expect(settled(listTree(folder))).toEqual(settled(before));
    expect(errors).toEqual([]);
    await page.close();
  } finally {
    await lab.stop();
  }
});

test('npx metrics-plotter uninstall takes out exactly what install put in', () => {
  const out = userShell(`npx metrics-plotter uninstall --python "$(which python)"`);
  expect(out).toMatch(/removed +.*labextensions\/metrics-plotter/);
  expect(shareJupyter()).toEqual(beforeInstall);
});

test('pip install of the checkout installs the extension into the environment; pip uninstall removes it', () => {
  const pip = path.join(venv, 'bin', 'pip');
  const jupyter = path.join(venv, 'bin', 'jupyter');
  run(pip, ['install', '--quiet', '--disable-pip-version-check', REPO]);
  const ext = path.join(venv, 'share', 'jupyter', 'labextensions', 'metrics-plotter');
  expect(fs.existsSync(path.join(ext, 'package.json'))).toBe(true);
  const listed = spawnSync(jupyter, ['labextension', 'list'], { encoding: 'utf8' });
  expect(`${listed.stdout}${listed.stderr}`).toMatch(/metrics-plotter v\d+\.\d+\.\d+ .*enabled.*OK.*\(python, metrics_plotter\)/);
  // The npm route leaves pip's copy alone and says how to register only the kernel.
  const refused = spawnSync('bash', ['-c', `npx metrics-plotter install --python "$(which python)"`], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}` }
  });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(
    /was installed by python \(package metrics_plotter\), so this command leaves it alone: .*pip uninstall metrics_plotter\)\. To register only the tslab kernel of this folder, run: npx tslab install/
  );
  run(pip, ['uninstall', '--yes', '--quiet', 'metrics_plotter']);
  expect(fs.existsSync(ext)).toBe(false);
  expect(shareJupyter()).toEqual(beforeInstall);
});
