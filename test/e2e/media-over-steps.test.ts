/**
 * Media over training steps in a real JupyterLab, a real tslab kernel and Debian's Chromium: one
 * rollout name logged at three steps is one card; its slider moves between the steps; a click on a
 * chart shows the rollout of that step. What plays is checked by decoding a frame in the browser.
 */
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { openNotebook, runAll } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, notebooksRoot, removeNotebookDir } from '../support/tslab-kernel';

jest.setTimeout(300000);

// Each rollout is one solid colour, so the frame the browser decodes says which step is shown.
const CELL = `import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "rollouts over training" });
plotter.show();
const colours: Record<number, number[]> = { 0: [220, 30, 30], 150: [30, 200, 30], 300: [30, 30, 220] };
for (let step = 0; step <= 300; step++) {
  plotter.addScalar("return", 20 + 180 * (1 - Math.exp(-step / 80)) + 10 * Math.sin(step / 7), step);
  if (step in colours) {
    const [r, g, b] = colours[step];
    const frame = { width: 48, height: 32, data: new Uint8Array(48 * 32 * 4).map((_, i) => [r, g, b, 255][i % 4]) };
    await plotter.addVideoFromFrames("rollout", Array.from({ length: 15 }, () => frame), { fps: 15, step });
  }
}`;

let lab: JupyterLab;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = makeNotebookDir('media-steps');
  writeNotebook(path.join(dir, 'rl.ipynb'), [CELL]);
  lab = await JupyterLab.start(notebooksRoot());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  removeNotebookDir(dir);
});

/** The step label of the card, and the colour of the first frame its video decodes to. */
async function shown(page: Page): Promise<{ label: string; rgb: number[] }> {
  await page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('.jp-MetricsPlotter mp-media-card video');
    return !!v && v.readyState >= 2;
  });
  return page.$eval('.jp-MetricsPlotter mp-media-card', card => {
    const video = card.querySelector('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    const [r, g, b] = ctx.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data;
    return { label: card.querySelector('.mp-media-step')!.textContent!, rgb: [r, g, b] };
  });
}

const isRed = ([r, g, b]: number[]) => r > 150 && g < 90 && b < 90;
const isGreen = ([r, g, b]: number[]) => g > 150 && r < 90 && b < 90;
const isBlue = ([r, g, b]: number[]) => b > 150 && r < 90 && g < 90;

it("one rollout name at three steps: one card, a slider between the steps, a chart click shows that step's rollout", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, `${path.basename(dir)}/rl.ipynb`);
  await runAll(page);
  expect(listTree(dir).filter(f => f.endsWith('.mp4'))).toHaveLength(3);
  await page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter .mp-media-step')?.textContent === 'step 300 · 3 of 3'
  );
  expect(await page.$$('.jp-MetricsPlotter mp-media-card')).toHaveLength(1);
  const latest = await shown(page);
  expect(latest.label).toBe('step 300 · 3 of 3');
  expect(isBlue(latest.rgb)).toBe(true);

  // The keyboard moves the slider between logged steps.
  await page.focus('.jp-MetricsPlotter mp-media-card input[type=range]');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter .mp-media-step')?.textContent === 'step 150 · 2 of 3'
  );
  expect(isGreen((await shown(page)).rgb)).toBe(true);

  // A click on the chart near step 60 shows the rollout logged at or before it: step 0.
  const at = await page.$eval('.jp-MetricsPlotter mp-metric-chart', el => {
    const u = (el as unknown as { uplot: { valToPos(v: number, s: string): number; over: HTMLElement; bbox: unknown } }).uplot;
    const rect = u.over.getBoundingClientRect();
    return { x: rect.left + u.valToPos(60, 'x'), y: rect.top + rect.height / 2 };
  });
  await page.mouse.move(at.x, at.y);
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction(
    () => document.querySelector('.jp-MetricsPlotter .mp-media-step')?.textContent === 'step 0 · 1 of 3'
  );
  expect(isRed((await shown(page)).rgb)).toBe(true);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'media-over-steps.png') });
  expect(errors).toEqual([]);
  await page.close();
});
