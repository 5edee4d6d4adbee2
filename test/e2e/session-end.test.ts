/**
 * In a real JupyterLab, a real tslab kernel and Debian's Chromium: every way a notebook session
 * ends leaves the notebook's folder as it was, and a failed deletion is shown with
 * its exact path, in the output or as a notification. Waiting is by polling the real file system
 * and the real page; nothing here asserts a duration.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import {
  command,
  openNotebook,
  startCommand,
  playFirstVideo,
  runAll,
  stateText,
  videoStates,
  widgetOutputsDrawn,
  waitIdleAndRun,
  restartFromKernelMenu
} from '../support/lab-page';
import {
  REPO,
  listTree,
  makeNotebookDir,
  notebooksRoot,
  removeNotebookDir,
  waitForFolderAsItWas,
  waitForTree
} from '../support/kernel-process';

jest.setTimeout(300000);

const PLOTTER_CELL = `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "e2e" });
for (let i = 0; i < 50; i++) plotter.addScalar("loss", 1 / (i + 1), i);
const frames = Array.from({ length: 20 }, (_, t) => ({ width: 32, height: 24, data: new Uint8Array(32 * 24 * 4).fill(t * 10) }));
const video = await plotter.addVideoFromFrames("clip", frames, { fps: 10 });
plotter.show();`;

let lab: JupyterLab;
let browser: Browser;
const dirs: string[] = [];

beforeAll(async () => {
  lab = await JupyterLab.start(notebooksRoot());
  browser = await launchChromium();
});

afterAll(async () => {
  if (process.env.METRICS_PLOTTER_E2E_LOG) fs.writeFileSync(process.env.METRICS_PLOTTER_E2E_LOG, lab?.log() ?? '');
  await browser?.close();
  await lab?.stop();
  for (const dir of dirs) {
    try {
      execFileSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    } catch {
      /* nothing was locked */
    }
    removeNotebookDir(dir);
  }
});

interface Session {
  dir: string;
  page: Page;
  kernelId: string;
  errors: string[];
  before: string[];
}

/** A folder with a notebook (and the user's own files), opened in a fresh page. */
async function openSession(name: string, cells = [PLOTTER_CELL]): Promise<Session> {
  const dir = makeNotebookDir(name);
  dirs.push(dir);
  writeNotebook(path.join(dir, 'nb.ipynb'), cells);
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'mine.txt'), 'a file the user put here');
  const before = listTree(dir);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = collectErrors(page);
  const kernelId = await openNotebook(page, lab, `${path.basename(dir)}/nb.ipynb`);
  return { dir, page, kernelId, errors, before };
}

const mp4s = (dir: string) => listTree(dir).filter(f => f.endsWith('.mp4'));

const backToBefore = (s: Session, what: string) => waitForFolderAsItWas(s.dir, s.before, what);

async function waitForState(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction(
      t => [...document.querySelectorAll('.jp-MetricsPlotter .mp-state')].some(e => e.textContent === t),
      text,
      { timeout: 60000 }
    );
  } catch (err) {
    throw new Error(`the output never said "${text}"; it says ${JSON.stringify(await stateText(page))}`, { cause: err });
  }
}

async function saveAndClose(page: Page): Promise<void> {
  await command(page, 'docmanager:save');
  await command(page, 'application:close');
  await page.waitForFunction(() => !document.querySelector('.jp-NotebookPanel'), undefined, { timeout: 30000 });
}

function canLock(): boolean {
  try {
    const probe = path.join(notebooksRoot(), `.chattr-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    fs.rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

it("restart from JupyterLab's Kernel menu: assets gone, the output says the session ended", async () => {
  const s = await openSession('restart');
  await runAll(s.page);
  expect(mp4s(s.dir)).toHaveLength(1);
  await waitForState(s.page, 'Live');
  await restartFromKernelMenu(s.page);
  await backToBefore(s, 'the restart should have removed the assets');
  await waitForState(s.page, 'Session ended (the kernel was restarted); its video was removed.');
  expect(await s.page.$$('.jp-MetricsPlotter video')).toHaveLength(0);
  // In its place, the output's still of it (a frame the browser decodes), marked as a still.
  expect(await s.page.textContent('.jp-MetricsPlotter mp-media-card')).toContain(
    'A still of this video: the file was removed when the session ended.'
  );
  await s.page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.jp-MetricsPlotter .mp-still img');
    return !!img && img.complete && img.naturalWidth === 32;
  });
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it("a card's Keep moves the video into the notebook's folder; Download saves it; a restart then leaves the kept file and removes the rest", async () => {
  const s = await openSession('keep');
  await runAll(s.page);
  await waitForState(s.page, 'Live');
  await widgetOutputsDrawn(s.page);
  const download = s.page.waitForEvent('download');
  await s.page.click('.jp-MetricsPlotter .mp-media-actions a:text-is("Download")');
  const saved = await (await download).path();
  expect(fs.statSync(saved!).size).toBe(fs.statSync(path.join(s.dir, mp4s(s.dir)[0])).size);

  await s.page.click('.jp-MetricsPlotter [data-action="keep"]');
  await s.page.waitForFunction(() =>
    document.querySelector('.jp-MetricsPlotter .mp-media-kept')?.textContent?.startsWith('Kept as clip-step49.mp4')
  );
  expect(fs.existsSync(path.join(s.dir, 'clip-step49.mp4'))).toBe(true);
  const [video] = await videoStates(s.page); // it plays from where it went
  expect(video.src).toContain(`/files/${path.basename(s.dir)}/clip-step49.mp4`);
  expect(video.error).toBeNull();

  await restartFromKernelMenu(s.page);
  await waitForFolderAsItWas(
    s.dir,
    [...s.before, 'clip-step49.mp4'].sort(),
    "the restart should have removed the plotter's folder and left the kept video"
  );
  expect(await s.page.textContent('.jp-MetricsPlotter .mp-media-kept')).toContain('Kept as clip-step49.mp4');
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('closing the notebook tab (kernel still running) ends the session', async () => {
  const s = await openSession('close-tab');
  await runAll(s.page);
  expect(mp4s(s.dir)).toHaveLength(1);
  await saveAndClose(s.page);
  await backToBefore(s, 'closing the notebook should have removed the assets');
  expect((await lab.kernels()).map(k => k.id)).toContain(s.kernelId); // JupyterLab keeps the kernel
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('clearing the output ends the session; re-running shows a video that plays and is kept', async () => {
  const s = await openSession('clear-output');
  await runAll(s.page);
  const first = mp4s(s.dir);
  expect(first).toHaveLength(1);
  await command(s.page, 'notebook:clear-all-cell-outputs');
  await backToBefore(s, 'clearing the output should have removed the assets');

  // Re-run: the new output's video plays.
  await runAll(s.page);
  const [video] = await videoStates(s.page);
  expect(video.error).toBeNull();
  expect(video.duration).toBeGreaterThan(0);
  expect((await playFirstVideo(s.page)).currentTime).toBeGreaterThan(0);
  const second = mp4s(s.dir);
  expect(second).toHaveLength(1);

  // Re-run once more without clearing: the old output's plotter is released (its folder goes),
  // and the video the new output shows stays.
  await runAll(s.page);
  const tree = await waitForTree(
    s.dir,
    t => !t.includes(second[0]) && t.filter(f => f.endsWith('.mp4')).length === 1,
    "the replaced output's plotter should be released"
  );
  const third = tree.filter(f => f.endsWith('.mp4'));
  const [again] = await videoStates(s.page);
  expect(again.error).toBeNull();
  expect(again.src).toContain(third[0].split('/')[1]);
  expect(fs.existsSync(path.join(s.dir, third[0]))).toBe(true);
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('clearing the output while the training cell still runs releases it at once, without an execution of its own', async () => {
  const s = await openSession('clear-while-running', [
    `${PLOTTER_CELL}
// Trains until the plotter is closed from outside: only a release handled during this cell ends it.
let it = 0;
while (!plotter.closed) {
  plotter.addScalar("loss", 1 / (it + 51), 50 + it++);
  await new Promise(resolve => setTimeout(resolve, 50));
}
console.log("training stopped: the plotter was released");`,
    'console.log("next cell")'
  ]);
  await startCommand(s.page, 'notebook:run-all-cells');
  await s.page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter mp-metric-chart'), undefined, { timeout: 60000 });
  expect(mp4s(s.dir)).toHaveLength(1);
  await command(s.page, 'notebook:clear-all-cell-outputs');
  await backToBefore(s, 'clearing the output while the cell ran should have removed the assets');
  await waitIdleAndRun(s.page);
  const cells = await s.page.evaluate(() => {
    const w = window.jupyterapp.shell.currentWidget as unknown as {
      content: { widgets: Array<{ model: { executionCount: number; sharedModel: { outputs: Array<{ text?: string }> } } }> };
    };
    return w.content.widgets.map(c => ({
      count: c.model.executionCount,
      text: c.model.sharedModel.outputs.map(o => o.text ?? '').join('')
    }));
  });
  expect(cells[0].text).toContain('training stopped: the plotter was released');
  // The release was a comm message, not an execution: the next cell's number follows the loop's.
  expect(cells[1].count).toBe(cells[0].count + 1);
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('an undeletable video: the output shows the failure and the exact path; closed notebook: a notification', async () => {
  // An undeletable file needs chattr +i: root, on a file system that supports it (CI runs as root on ext4).
  if (!canLock())
    throw new Error('scenario 5 needs `chattr +i` to work here: run the tests as root on ext4 (apt-get install e2fsprogs)');
  // (a) the kernel restarts while a video is immutable: the failure shows in the output.
  const s = await openSession('undeletable');
  await runAll(s.page);
  const [mp4] = mp4s(s.dir);
  const absolute = path.join(s.dir, mp4);
  execFileSync('chattr', ['+i', absolute]);
  await lab.api('POST', `/api/kernels/${s.kernelId}/restart`);
  await waitForState(s.page, 'Session ended (the kernel was restarted), but cleanup failed.');
  const failure = await s.page.textContent('.jp-MetricsPlotter .mp-failure');
  expect(failure).toContain('cleanup failed');
  expect(failure).toContain(absolute);
  expect(failure).toContain('delete it by hand');
  expect(await s.page.textContent('.jp-MetricsPlotter mp-media-card')).toContain(
    `Still on disk: ${absolute}. Please delete it by hand.`
  );
  // Unlock and clean by hand, as the message says: the folder is as it was.
  execFileSync('chattr', ['-i', absolute]);
  execFileSync(process.execPath, [path.join(REPO, 'lib', 'cli', 'cli.js'), 'clean', s.dir]);
  await backToBefore(s, 'metrics-plotter clean should have removed what was left');

  // (b) the notebook is closed while a video is immutable: the failure is a notification.
  await runAll(s.page);
  const [mp4b] = mp4s(s.dir);
  const absoluteB = path.join(s.dir, mp4b);
  execFileSync('chattr', ['+i', absoluteB]);
  await saveAndClose(s.page);
  const toast = await s.page.waitForSelector('.Toastify__toast:has-text("cleanup failed")', { timeout: 60000 });
  // The video and its folder are both left (a folder with a file in it cannot go).
  expect(await toast.textContent()).toContain('metrics-plotter "e2e": cleanup failed, 2 paths left on disk. Delete by hand.');
  // JupyterLab cuts toasts at 140 characters: the exact path is one click away.
  await (await toast.waitForSelector('button:has-text("Show paths")')).click();
  const details = (await (await s.page.waitForSelector('.jp-Dialog .jp-MetricsPlotter-details')).textContent()) ?? '';
  expect(details).toContain('cleanup failed');
  expect(details).toContain(absoluteB);
  expect(details).toContain('by hand');
  await s.page.click('.jp-Dialog .jp-mod-accept');
  execFileSync('chattr', ['-i', absoluteB]);
  execFileSync(process.execPath, [path.join(REPO, 'lib', 'cli', 'cli.js'), 'clean', s.dir]);
  await backToBefore(s, 'metrics-plotter clean should have removed what was left');
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('a live training loop updates the same output in place while it runs', async () => {
  const s = await openSession('live', [
    `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "live", liveUpdateMs: 100 });
plotter.show();
for (let step = 0; step < 60; step++) {
  plotter.addScalar("loss", Math.exp(-step / 20), step);
  await new Promise(resolve => setTimeout(resolve, 50));
}`
  ]);
  await startCommand(s.page, 'notebook:run-all-cells'); // resolves only when the cells are done
  // While the cell still runs, the one chart has grown past its first points...
  const seen = await s.page.waitForFunction(
    () => {
      const chart = document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as {
        uplot?: { data: number[][] };
      } | null;
      const w = window.jupyterapp.shell.currentWidget as { sessionContext: { session?: { kernel?: { status: string } } } };
      const n = chart?.uplot?.data[0].length ?? 0;
      return n >= 10 && n < 60 && w.sessionContext.session?.kernel?.status === 'busy' ? n : false;
    },
    undefined,
    { timeout: 60000 }
  );
  expect(await seen.jsonValue()).toBeGreaterThanOrEqual(10);
  await waitIdleAndRun(s.page);
  await s.page.waitForFunction(
    () => {
      const chart = document.querySelector('.jp-MetricsPlotter mp-metric-chart') as unknown as {
        uplot?: { data: number[][] };
      } | null;
      return chart?.uplot?.data[0].length === 60;
    },
    undefined,
    { timeout: 30000 }
  );
  // ...and it stayed one output.
  expect(await s.page.$$('.jp-MetricsPlotter')).toHaveLength(1);
  expect(s.errors).toEqual([]);
  await s.page.close();
});

it('light and dark themes (screenshots in test-results/)', async () => {
  const s = await openSession('themes');
  await runAll(s.page);
  await widgetOutputsDrawn(s.page);
  await videoStates(s.page);
  const panel = s.page.locator('.jp-MetricsPlotter').first();
  fs.mkdirSync(path.join(REPO, 'test-results'), { recursive: true });
  await panel.screenshot({ path: path.join(REPO, 'test-results', 'plotter-light.png') });
  const lightBackground = await panel.evaluate(el => getComputedStyle(el.querySelector('.mp-panel')!).backgroundColor);
  await command(s.page, 'apputils:change-theme', { theme: 'JupyterLab Dark' });
  await s.page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', undefined, { timeout: 30000 });
  await s.page.waitForTimeout(500); // let the theme's stylesheet apply before the picture
  await panel.screenshot({ path: path.join(REPO, 'test-results', 'plotter-dark.png') });
  const darkBackground = await panel.evaluate(el => getComputedStyle(el.querySelector('.mp-panel')!).backgroundColor);
  expect(darkBackground).not.toBe(lightBackground);
  await command(s.page, 'apputils:change-theme', { theme: 'JupyterLab Light' });
  expect(s.errors).toEqual([]);
  await s.page.close();
});

describe('the kernel lifecycle through the Jupyter server REST API, as JupyterLab drives it', () => {
  it('shutdown: assets gone, the output says the kernel was shut down', async () => {
    const s = await openSession('rest-shutdown');
    await runAll(s.page);
    expect(mp4s(s.dir)).toHaveLength(1);
    await lab.api('DELETE', `/api/kernels/${s.kernelId}`);
    await backToBefore(s, 'the shutdown should have removed the assets');
    await waitForState(s.page, 'Session ended (the kernel was shut down); its video was removed.');
    await s.page.close();
  });

  it('interrupt: an idle interrupt keeps the session; one during an encode removes the partial file', async () => {
    const s = await openSession('rest-interrupt', [
      PLOTTER_CELL,
      `const writer = plotter.createVideoWriter("long", { fps: 30, width: 64, height: 64 });
for (let t = 0; t < 100000; t++) await writer.write(new Uint8Array(64 * 64 * 4).fill(t % 255));`
    ]);
    await command(s.page, 'notebook:run-cell-and-select-next');
    await waitForTree(s.dir, t => t.filter(f => f.endsWith('.mp4')).length === 1, 'the first video');
    await s.page.waitForFunction(
      () =>
        (window.jupyterapp.shell.currentWidget as { sessionContext: { session?: { kernel?: { status: string } } } })
          .sessionContext.session?.kernel?.status === 'idle'
    );
    await lab.api('POST', `/api/kernels/${s.kernelId}/interrupt`);
    expect(mp4s(s.dir)).toHaveLength(1);
    await startCommand(s.page, 'notebook:run-cell');
    // The plotter creates long.mp4.part when it claims the name; ffmpeg writing into it means the
    // cell is in its awaiting loop (an interrupt during a cell's synchronous part is Node's
    // breakOnSigint's, not ours: see docs/cleanup.md, limits).
    const writing = (t: string[]) =>
      t.some(f => f.endsWith('long.mp4.part') && fs.statSync(path.join(s.dir, f), { throwIfNoEntry: false })?.size);
    await waitForTree(s.dir, writing, 'the long encode should be writing');
    await lab.api('POST', `/api/kernels/${s.kernelId}/interrupt`);
    const tree = await waitForTree(
      s.dir,
      t => !t.some(f => f.includes('long.mp4')),
      'the interrupt should have removed the partial file'
    );
    expect(tree.filter(f => f.endsWith('.mp4'))).toHaveLength(1); // the finished video is still shown
    expect(await stateText(s.page)).toEqual(['Live']);
    await lab.api('DELETE', `/api/kernels/${s.kernelId}`);
    await backToBefore(s, 'the shutdown should have removed the assets');
    await s.page.close();
  });

  it('a killed kernel (SIGKILL): its watchdog removes the files; the output says the session ended and they went', async () => {
    const s = await openSession('sigkill', [PLOTTER_CELL, 'process.pid']);
    await runAll(s.page);
    const pid = Number(await s.page.textContent('.jp-Cell:last-child .jp-OutputArea-output'));
    expect(pid).toBeGreaterThan(0);
    expect(mp4s(s.dir)).toHaveLength(1);
    process.kill(pid, 'SIGKILL');
    await backToBefore(s, "the kernel's watchdog should have removed the assets");
    await waitForState(s.page, 'Session ended (the kernel process died); its video was removed.');
    // JupyterLab says the kernel died and restarts it; dismiss that as a researcher would.
    await s.page.click('.jp-Dialog .jp-mod-accept');
    await lab.api('DELETE', `/api/kernels/${s.kernelId}`);
    await s.page.close();
  });

  it('a killed kernel whose watchdog was killed too: the output shows what was left and how to remove it; the next plotter sweeps it', async () => {
    const s = await openSession('sigkill-watchdog', [
      PLOTTER_CELL,
      'require("metrics-plotter/internals").kernelRegistry().watchdogPid',
      'process.pid'
    ]);
    await runAll(s.page);
    const outputOf = async (cell: number): Promise<number> =>
      Number(await s.page.textContent(`.jp-Cell:nth-child(${cell}) .jp-OutputArea-output`));
    const [watchdog, pid] = [await outputOf(2), await outputOf(3)];
    expect(watchdog).toBeGreaterThan(0);
    const [mp4] = mp4s(s.dir);
    process.kill(watchdog, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    await waitForState(s.page, 'Session ended (the kernel process died), but cleanup failed.');
    const failure = (await s.page.textContent('.jp-MetricsPlotter .mp-failure')) ?? '';
    expect(failure).toContain(path.join(s.dir, mp4));
    expect(failure).toContain('npx metrics-plotter clean');
    // JupyterLab restarted the kernel; the next MetricsPlotter in this folder removes the orphan.
    // JupyterLab says the kernel died and restarts it; as a researcher would, dismiss that and run again.
    await s.page.click('.jp-Dialog .jp-mod-accept');
    await runAll(s.page);
    await waitForTree(
      s.dir,
      t => !t.includes(mp4) && t.filter(f => f.endsWith('.mp4')).length === 1,
      "the new plotter should have swept the dead kernel's files"
    );
    await lab.api('DELETE', `/api/kernels/${s.kernelId}`);
    await backToBefore(s, 'the shutdown should have removed the assets');
    await s.page.close();
  });
});
