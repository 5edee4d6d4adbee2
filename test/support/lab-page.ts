/** Driving JupyterLab in a page the way a researcher does, through its own commands and DOM. */
import type { Page } from 'playwright-core';
import type { JupyterLab } from './jupyterlab';

type App = {
  commands: { execute(id: string, args?: unknown): Promise<unknown> };
  shell: { currentWidget: unknown };
};
declare global {
  interface Window {
    jupyterapp: App;
  }
}

/** The current notebook's kernel status (run in the page: it refers to nothing outside). */
const kernelStatus = (): string | undefined =>
  (window.jupyterapp?.shell.currentWidget as { sessionContext?: { session?: { kernel?: { status: string } } } } | null)
    ?.sessionContext?.session?.kernel?.status;

/**
 * Opens a notebook and waits for its kernel to be ready. Returns the kernel id. When the kernel is
 * not ready in time, the error names the status last seen and ends with the server's log (and
 * whatever `moreLogs` returns, e.g. a gateway's), so that a failure on CI can be read from its output.
 */
export async function openNotebook(
  page: Page,
  lab: JupyterLab,
  relPath: string,
  moreLogs: () => string = () => '',
  timeoutMs = 120000
): Promise<string> {
  await page.goto(lab.notebookUrl(relPath));
  try {
    await page.waitForFunction(`(${kernelStatus.toString()})() === 'idle'`, undefined, { timeout: timeoutMs });
  } catch (e) {
    const status = await page.evaluate(kernelStatus).catch(() => 'unreadable');
    const tail = (text: string): string => text.split('\n').slice(-40).join('\n');
    throw new Error(
      `${relPath}: its kernel was not idle within ${timeoutMs / 1000} s (last status: ${status}): ${(e as Error).message}\n` +
        `--- jupyter lab log (end) ---\n${tail(lab.log())}\n${moreLogs() ? `--- more (end) ---\n${tail(moreLogs())}` : ''}`,
      { cause: e }
    );
  }
  return page.evaluate(
    () =>
      (window.jupyterapp.shell.currentWidget as { sessionContext: { session: { kernel: { id: string } } } }).sessionContext
        .session.kernel.id
  );
}

export async function command(page: Page, id: string, args?: unknown): Promise<void> {
  await page.evaluate(([id, args]) => window.jupyterapp.commands.execute(id as string, args), [id, args] as const);
}

/** Starts a command without waiting for it (JupyterLab's run commands resolve when the cells finish). */
export async function startCommand(page: Page, id: string, args?: unknown): Promise<void> {
  await page.evaluate(
    ([id, args]) => {
      void window.jupyterapp.commands.execute(id as string, args);
    },
    [id, args] as const
  );
}

/** Runs the cell at `index` (selected by clicking its prompt, as a person does) and waits for it. */
export async function runCell(page: Page, index: number): Promise<void> {
  await page.locator('.jp-Notebook .jp-Cell').nth(index).locator('.jp-InputPrompt').click();
  await command(page, 'notebook:run-cell');
  await page.waitForFunction(
    i => {
      const w = window.jupyterapp.shell.currentWidget as {
        sessionContext: { session?: { kernel?: { status: string } } };
        content: { widgets: Array<{ model: { executionCount?: number | null } }> };
      };
      return w.sessionContext.session?.kernel?.status === 'idle' && !!w.content.widgets[i].model.executionCount;
    },
    index,
    { timeout: 120000 }
  );
}

/** Runs every cell and waits until each has run (an execution count) and the kernel is idle. */
export async function runAll(page: Page): Promise<void> {
  await command(page, 'notebook:run-all-cells');
  await waitIdleAndRun(page);
}

export async function waitIdleAndRun(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget as {
        sessionContext: { session?: { kernel?: { status: string } } };
        content: { widgets: Array<{ model: { type: string; executionCount?: number | null } }> };
      };
      const status = w.sessionContext.session?.kernel?.status;
      const cells = w.content.widgets.filter(c => c.model.type === 'code');
      return status === 'idle' && cells.every(c => c.model.executionCount);
    },
    undefined,
    { timeout: 180000 }
  );
}

/** The state of the video elements of plotter outputs, once each can play or failed. */
export async function videoStates(
  page: Page
): Promise<Array<{ src: string; readyState: number; duration: number; error: string | null }>> {
  await page.waitForFunction(
    () => {
      const videos = [...document.querySelectorAll<HTMLVideoElement>('.jp-MetricsPlotter video')];
      return videos.length > 0 && videos.every(v => v.readyState >= 1 || v.error);
    },
    undefined,
    { timeout: 60000 }
  );
  return page.$$eval('.jp-MetricsPlotter video', videos =>
    (videos as HTMLVideoElement[]).map(v => ({
      src: v.currentSrc,
      readyState: v.readyState,
      duration: v.duration,
      error: v.error ? `${v.error.code} ${v.error.message}` : null
    }))
  );
}

/** Plays the first plotter video for a moment: proof the browser decodes it, not just reads its header. */
export async function playFirstVideo(page: Page): Promise<{ currentTime: number; width: number; height: number }> {
  return page.$eval('.jp-MetricsPlotter video', async el => {
    const v = el as HTMLVideoElement;
    v.muted = true;
    await v.play();
    await new Promise<void>(resolve => {
      const check = () => (v.currentTime > 0.2 || v.ended ? resolve() : requestAnimationFrame(check));
      check();
    });
    v.pause();
    return { currentTime: v.currentTime, width: v.videoWidth, height: v.videoHeight };
  });
}

/** How many pixels of each chart canvas are drawn (not transparent). */
export async function drawnPixels(page: Page, canvases = '.jp-MetricsPlotter .mp-plot canvas'): Promise<number[]> {
  return page.$$eval(canvases, canvases =>
    (canvases as HTMLCanvasElement[]).map(c => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
      return n;
    })
  );
}

/**
 * The state line of each plotter output the page shows. A view staged behind one (drawn unseen
 * while the output switches between the panel and the widget: src/lab/output/output.ts) is not
 * shown yet, and not counted.
 */
export async function stateText(page: Page): Promise<string[]> {
  return page.$$eval('.jp-MetricsPlotter .mp-state', els =>
    els.filter(e => !e.closest('.jp-MetricsPlotter-staged')).map(e => e.textContent ?? '')
  );
}

/**
 * Waits until every plotter output is its widget with its charts drawn. The first plotter of a
 * kernel is shown before the page attached; its output switches from the panel to the widget a
 * moment after the page has (docs/protocol.md), so an element of the panel read before that may be
 * gone by the time it is used. Only for a JupyterLab with jupyterlab_widgets.
 */
export async function widgetOutputsDrawn(page: Page, timeout = 60000): Promise<void> {
  await page.waitForFunction(
    () => {
      const outputs = [...document.querySelectorAll('.jp-MetricsPlotter')];
      return (
        outputs.length > 0 && outputs.every(o => o.closest('.jp-MetricsPlotter-widget') && o.querySelector('.mp-plot canvas'))
      );
    },
    undefined,
    { timeout }
  );
}

/** Restarts the notebook's kernel as a person does: Kernel → Restart Kernel…, then the dialog's Restart. */
export async function restartFromKernelMenu(page: Page): Promise<void> {
  await page.click('.lm-MenuBar-itemLabel:text-is("Kernel")');
  await page.click('.lm-Menu-itemLabel:text-is("Restart Kernel…")');
  await page.click('.jp-Dialog .jp-mod-accept');
}

/** Kills the page's renderer process, as a crash does: no pagehide, no unload, no disposed output. */
export async function crashPage(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const crashed = new Promise(resolve => page.once('crash', resolve));
  void cdp.send('Page.crash').catch(() => undefined); // never answered: the renderer dies first
  await crashed;
}

/**
 * Runs the example notebook (examples/cartpole.ipynb) and checks it as its reader sees it: both
 * charts drawn (scrolled to: a notebook draws what is on screen) and the first video playing at
 * the example's 240 px; screenshots the output to `screenshot`.
 */
export async function runExampleDrawnAndPlaying(page: Page, screenshot: string): Promise<void> {
  await runAll(page);
  await page.locator('.jp-MetricsPlotter .mp-plot').first().scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('.jp-MetricsPlotter .mp-plot canvas').length === 2, undefined, {
    timeout: 60000
  });
  for (const n of await drawnPixels(page)) expect(n).toBeGreaterThan(1000);
  const [video] = await videoStates(page);
  expect(video.error).toBeNull();
  expect((await playFirstVideo(page)).width).toBe(240);
  await page.locator('.jp-MetricsPlotter').first().screenshot({ path: screenshot });
}

/**
 * What axe-core (from npm) finds wrong in the page's plotter outputs, every rule and every impact:
 * one "rule (impact): element — what to fix" line per element; empty when nothing.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    type Result = {
      violations: Array<{
        id: string;
        impact: string;
        help: string;
        nodes: Array<{ target: string[]; failureSummary?: string }>;
      }>;
    };
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<Result> } }).axe;
    const { violations } = await axe.run({ include: [['.jp-MetricsPlotter']] }, { resultTypes: ['violations'] });
    return violations.flatMap(v =>
      v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${v.help}; ${n.failureSummary ?? ''}`)
    );
  });
}

/**
 * Walks the page's first plotter output with Tab, as a keyboard user does, from its first control
 * to its last: one line for each control Tab does not reach, and for each it reaches whose focus
 * is not visible (no outline and no box shadow once focused from the keyboard). Empty when every
 * control is reached and shows its focus.
 */
export async function controlsWithoutVisibleFocus(page: Page): Promise<string[]> {
  const output = page.locator('.jp-MetricsPlotter').first();
  // Every control a keyboard user should reach (shown, not disabled, not out of the tab order),
  // numbered so that the walk knows each one again.
  const controls: string[] = await output.evaluate(root =>
    [...root.querySelectorAll<HTMLElement>('button, input, select, summary, a[href], video[controls], [tabindex]')]
      .filter(e => e.tabIndex >= 0 && !(e as HTMLInputElement).disabled && e.getClientRects().length > 0)
      .map((e, i) => {
        e.dataset.focusAudit = String(i);
        const label = (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
        return `${e.tagName.toLowerCase()}${e.getAttribute('type') ? `[type=${e.getAttribute('type')}]` : ''} "${label}"`;
      })
  );
  if (!controls.length) throw new Error('the output has no controls to walk: is it drawn?');
  // Into the output from the keyboard: focus the first control, then Shift+Tab and Tab again, so
  // that the browser treats the focus as the keyboard's (:focus-visible).
  await output.evaluate(root => root.querySelector<HTMLElement>('[data-focus-audit="0"]')?.focus());
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const reached = new Map<string, string | null>();
  let walkEnd = '';
  const name = (id: string): string => controls[Number(id)] ?? id;
  let lastId = '';
  for (let i = 0; i < 3 * controls.length + 20; i++) {
    const focused = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement | null;
      if (!e?.closest('.jp-MetricsPlotter')) return null;
      const style = getComputedStyle(e);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      // An SVG control (a sweep axis) rings its focus with a shape of its own: one with a stroke.
      const ring = [...e.querySelectorAll('[class$="-focus"]')].some(r => getComputedStyle(r).stroke !== 'none');
      return {
        id: e.dataset.focusAudit ?? `${e.tagName.toLowerCase()}.${e.className}`,
        visible: outline || ring || style.boxShadow !== 'none',
        style: `outline: ${style.outlineStyle} ${style.outlineWidth}; box-shadow: ${style.boxShadow}`
      };
    });
    // A video's own controls (play, the timeline, …) take Tab in turn while the video stays focused.
    if (focused?.id === lastId) {
      await page.keyboard.press('Tab');
      continue;
    }
    if (!focused || reached.has(focused.id)) {
      walkEnd = focused ? `back at ${name(focused.id)}` : `left the output after ${name(lastId)}`;
      break;
    }
    lastId = focused.id;
    reached.set(focused.id, focused.visible ? null : focused.style);
    await page.keyboard.press('Tab');
  }
  return [
    ...controls.filter((_, i) => !reached.has(String(i))).map(c => `not reached by Tab (the walk ${walkEnd}): ${c}`),
    ...[...reached].filter(([, style]) => style !== null).map(([id, style]) => `no visible focus: ${name(id)} (${style})`)
  ];
}

/**
 * axe-core's violations in the page's outputs in the light theme, then in the dark one (with a
 * screenshot of the first output, to look at), then back in the light one.
 */
export async function violationsInBothThemes(page: Page, darkScreenshot: string): Promise<{ light: string[]; dark: string[] }> {
  const light = await accessibilityViolations(page);
  await useTheme(page, 'JupyterLab Dark');
  const dark = await accessibilityViolations(page);
  await page.locator('.jp-MetricsPlotter').first().screenshot({ path: darkScreenshot });
  await useTheme(page, 'JupyterLab Light');
  return { light, dark };
}

/** Switches JupyterLab's theme and waits until its stylesheet applies. */
export async function useTheme(page: Page, theme: 'JupyterLab Light' | 'JupyterLab Dark'): Promise<void> {
  await command(page, 'apputils:change-theme', { theme });
  const light = theme === 'JupyterLab Light' ? 'true' : 'false';
  await page.waitForFunction(l => document.body.dataset.jpThemeLight === l, light, { timeout: 30000 });
  // The theme's variables reach the computed styles a frame or two after the attribute, and the
  // charts redraw in the theme's colours: until each chart fits its box again.
  await page.waitForFunction(
    () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))
  );
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('.jp-MetricsPlotter mp-metric-chart')].every(c => {
        const u = (c as unknown as { uplot?: { width: number } }).uplot;
        const box = c.querySelector<HTMLElement>('.mp-plot');
        return !u || !box || Math.abs(u.width - Math.max(240, box.clientWidth)) <= 1;
      }),
    undefined,
    { timeout: 10000 }
  );
}
