/**
 * Media over training steps in a real JupyterLab, a real tslab kernel and Debian's Chromium: one
 * rollout name logged at three steps is one card; its slider moves between the steps; a click on a
 * chart shows the rollout of that step. What plays is checked by decoding a frame in the browser.
 */
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { JupyterLab, collectErrors, launchChromium, writeNotebook } from '../support/jupyterlab';
import { openNotebook, runAll } from '../support/lab-page';
import { REPO, listTree, makeNotebookDir, notebooksRoot, removeNotebookDir } from '../support/kernel-process';

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

type Colour = 'red' | 'green' | 'blue';

/**
 * Waits until the card shows `label` and its video, loaded from the file of that step, decodes to
 * `colour` (the element is reused across steps, so its previous frame may still be up for a moment).
 * Returns what was last seen when it never does, for the failure message.
 */
async function shows(page: Page, label: string, colour: Colour): Promise<string> {
  const look = () =>
    page.$eval('.jp-MetricsPlotter mp-media-card', card => {
      const video = card.querySelector('video') as HTMLVideoElement | null;
      const text = card.querySelector('.mp-media-step')?.textContent ?? '';
      if (!video || video.readyState < 2 || !video.videoWidth)
        return { text, rgb: null as number[] | null, src: video?.currentSrc ?? '' };
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(video, 0, 0);
      const [r, g, b] = ctx.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data;
      return { text, rgb: [r, g, b], src: video.currentSrc };
    });
  const is: Record<Colour, (rgb: number[]) => boolean> = {
    red: ([r, g, b]) => r > 150 && g < 90 && b < 90,
    green: ([r, g, b]) => g > 150 && r < 90 && b < 90,
    blue: ([r, g, b]) => b > 150 && r < 90 && g < 90
  };
  let seen = await look();
  for (let i = 0; i < 300 && !(seen.text === label && seen.rgb && is[colour](seen.rgb)); i++) {
    await new Promise(r => setTimeout(r, 100));
    seen = await look();
  }
  return seen.text === label && seen.rgb && is[colour](seen.rgb) ? `${label}: ${colour}` : `saw ${JSON.stringify(seen)}`;
}

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
  expect(await shows(page, 'step 300 · 3 of 3', 'blue')).toBe('step 300 · 3 of 3: blue');

  // The keyboard moves the slider between logged steps.
  await page.focus('.jp-MetricsPlotter mp-media-card input[type=range]');
  await page.keyboard.press('ArrowLeft');
  expect(await shows(page, 'step 150 · 2 of 3', 'green')).toBe('step 150 · 2 of 3: green');

  // A click on the chart near step 60 shows the rollout logged at or before it: step 0.
  const at = await page.$eval('.jp-MetricsPlotter mp-metric-chart', el => {
    const u = (el as unknown as { uplot: { valToPos(v: number, s: string): number; over: HTMLElement; bbox: unknown } }).uplot;
    const rect = u.over.getBoundingClientRect();
    return { x: rect.left + u.valToPos(60, 'x'), y: rect.top + rect.height / 2 };
  });
  await page.mouse.move(at.x, at.y);
  await page.mouse.click(at.x, at.y);
  expect(await shows(page, 'step 0 · 1 of 3', 'red')).toBe('step 0 · 1 of 3: red');
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'media-over-steps.png') });
  expect(errors).toEqual([]);
  await page.close();
});
