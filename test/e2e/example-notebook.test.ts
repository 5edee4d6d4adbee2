/**
 * Scenario 1 in a real JupyterLab and Chromium: the example notebook runs, its charts are drawn
 * and its video plays from the Jupyter server; then closing the notebook ends the session.
 */
import * as path from 'path';
import type { Page } from 'playwright-core';
import { collectErrors } from '../support/jupyterlab';
import {
  drawnPixels,
  openNotebook,
  playFirstVideo,
  runAll,
  stateText,
  violationsInBothThemes,
  controlsWithoutVisibleFocus,
  videoStates,
  widgetOutputsDrawn
} from '../support/lab-page';
import { REPO, listTree } from '../support/kernel-process';
import { serveExample } from '../support/example-e2e';

jest.setTimeout(300000);

const example = serveExample('cartpole.ipynb', 'example');

it('runs the example notebook: charts drawn, rollouts over training in one card, the video plays from the server, the MP4s are under assets/', async () => {
  const { lab, browser, dir, notebook } = example;
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = collectErrors(page);
  await openNotebook(page, lab, notebook);
  await runAll(page);
  await page.waitForFunction(() => document.querySelector('.jp-MetricsPlotter .mp-state')?.textContent === 'Live');
  expect(await stateText(page)).toEqual(['Live']);
  await widgetOutputsDrawn(page);
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-plot canvas').length === 2);
  const pixels = await drawnPixels(page);
  expect(pixels.length).toBe(2); // "return" group and "policy norm"
  for (const n of pixels) expect(n).toBeGreaterThan(1000);
  const [video] = await videoStates(page);
  expect(video.error).toBeNull();
  expect(video.duration).toBeGreaterThan(0);
  expect(video.src).toContain(`/files/${path.basename(dir)}/assets/metrics-plotter-`);
  const played = await playFirstVideo(page);
  expect(played.width).toBe(240);
  expect(played.currentTime).toBeGreaterThan(0);
  // Rollouts logged at iterations 0, 50, 100 and 149 form one card; the best policy's video another.
  expect(await page.$$eval('.jp-MetricsPlotter .mp-media-step', els => els.map(e => e.textContent))).toEqual([
    'step 149 · 4 of 4',
    'step 149'
  ]);
  const mp4s = listTree(dir).filter(f => f.endsWith('.mp4'));
  expect(mp4s).toHaveLength(5);
  expect(mp4s.every(f => /^assets\/metrics-plotter-[^/]+\/(rollout(-\d)?|best-policy-rollout)\.mp4$/.test(f))).toBe(true);
  await page
    .locator('.jp-MetricsPlotter')
    .first()
    .screenshot({ path: path.join(REPO, 'test-results', 'example-light.png') });
  // By keyboard, in JupyterLab (whose command mode takes arrows unless the chart keeps them): a
  // focused chart steps back from the latest iteration, and its live region says the values there.
  await page.focus('.jp-MetricsPlotter .mp-plot');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() =>
    /^step 148: return\/\S+ \S+/.test(document.querySelector('.jp-MetricsPlotter mp-metric-chart [aria-live]')?.textContent ?? '')
  );
  // Every reader: axe-core finds nothing in the output, in either theme.
  expect(await violationsInBothThemes(page, path.join(REPO, 'test-results', 'example-dark.png'))).toEqual({
    light: [],
    dark: []
  });
  // Every control of the output is reached by Tab and shows where the focus is.
  expect(await controlsWithoutVisibleFocus(page)).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});
