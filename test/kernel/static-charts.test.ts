/**
 * The static charts of an output's HTML part (src/kernel/outputs/static-charts.ts): what VS Code,
 * nbviewer, GitHub, nbconvert's HTML and a JupyterLab without the extension show. Read back from
 * the HTML as a browser would get them: each chart an SVG in a data: image.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { MetricsPlotter } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { STATIC_CHARTS_BYTES } from '../../src/kernel/metrics/saved-budget';
import { staticCharts } from '../../src/kernel/outputs/static-charts';
import { niceTicks } from '../../src/protocol/format';
import { jupyterParent, summaryHtml, summaryText } from '../../src/kernel/outputs/summary';
import { SERIES_COLORS } from '../../src/protocol/charts';
import type { MetricSeries, RunInfo } from '../../src/protocol';
import { REPO } from '../support/kernel-process';

/** The SVG of every chart image in the HTML, decoded. */
function svgsOf(html: string): string[] {
  return [...html.matchAll(/<img src="data:image\/svg\+xml,([^"]*)"/g)].map(m => decodeURIComponent(m[1]));
}
/** The stroke colours of a chart's lines, in order. */
const strokes = (svg: string): string[] => [...svg.matchAll(/<path stroke='(#[0-9a-f]{6})' d='/g)].map(m => m[1]);
/** The y-axis tick labels of a chart. */
const yLabels = (svg: string): string[] =>
  [...(svg.match(/<g text-anchor='end'>(.*?)<\/g>/)?.[1] ?? '').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(m => m[1]);

const series = (name: string, values: Array<number | null>, run?: string): MetricSeries => ({
  name,
  ...(run ? { run } : {}),
  steps: values.map((_, i) => i),
  values,
  totalPoints: values.length
});

/** A JupyterLab reads it live. */
const IN_LAB = { headless: null, staticOnly: null };

let root: string;
beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-static-charts-'))));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("one chart per metric group, in the panel's colours, with the panel's number format; no script and nothing fetched", () => {
  const plotter = new MetricsPlotter({ title: 'static', root });
  for (let i = 0; i < 150; i++) {
    plotter.addScalar('return/candidate', 200 + 100 * Math.sin(i / 10), i);
    plotter.addScalar('return/best', 2 * i, i);
    plotter.addScalar('lr', 3e-4 * Math.exp(-i / 100), i);
  }
  const html = plotterInternals(plotter).bundle('v0')['text/html'] as string;
  plotter.close();
  const svgs = svgsOf(html);
  expect(svgs).toHaveLength(2); // "return" (two series) and "lr"
  expect(strokes(svgs[0])).toEqual([SERIES_COLORS[0], SERIES_COLORS[1]]);
  expect(strokes(svgs[1])).toEqual([SERIES_COLORS[0]]);
  expect(yLabels(svgs[1])).toEqual(expect.arrayContaining(['1e-4', '2e-4', '3e-4'])); // never "0.0003" or "0"
  expect(html).toContain('<b>return</b>');
  // The image says in words what it shows, as the panel's chart does.
  expect(html).toMatch(
    /alt="Chart of return, 2 lines\. return\/candidate: (rising|falling|flat) from 200 to [\d.]+ \(step 0 to step 149\), between [\d.]+ and [\d.]+\. /
  );
  expect(html).toContain('return/best: rising from 0 to 298 (step 0 to step 149), between 0 and 298."');
  // Each legend entry names its series in its colour, with its last value.
  expect(html).toContain(`<span style="color:${SERIES_COLORS[1]}">&#9632;</span> return/best <b>298</b></span>`);
  expect(html).not.toMatch(/<script|javascript:|on[a-z]+=/i);
  expect(html.match(/(?:src|href)="(?!data:image\/svg\+xml,)/g)).toBeNull();
  for (const svg of svgs)
    expect(svg.replace("xmlns='http://www.w3.org/2000/svg'", '')).not.toMatch(/https?:|<script|<image|href/);
});

test('with runs, each run has one colour in every chart, in the order the runs began', () => {
  const runs: RunInfo[] = ['a', 'b', 'c'].map(name => ({ name, config: {}, status: 'running' }) as RunInfo);
  const metrics = ['c', 'a', 'b'].flatMap(run => [series('loss', [3, 2, 1], run), series('acc', [0.1, 0.5, 0.9], run)]);
  const svgs = svgsOf(staticCharts(metrics, runs, STATIC_CHARTS_BYTES));
  const byRun = [SERIES_COLORS[2], SERIES_COLORS[0], SERIES_COLORS[1]]; // c, a, b as logged
  expect(svgs.map(strokes)).toEqual([byRun, byRun]);
});

test('a spike in a long series survives downsampling (each bucket keeps its min and max), and gaps stay gaps', () => {
  const values: Array<number | null> = Array.from({ length: 100_000 }, (_, i) => (i === 4242 ? 1000 : Math.cos(i / 1000)));
  for (let i = 40_000; i < 60_000; i++) values[i] = null; // not logged, or NaN
  const [svg] = svgsOf(staticCharts([series('loss', values)], [], STATIC_CHARTS_BYTES));
  expect(yLabels(svg)).toContain('1,000');
  const d = svg.match(/<path stroke='#[0-9a-f]{6}' d='([^']*)'/)![1];
  expect(d.match(/M/g)).toHaveLength(2); // one break, at the gap
  const ys = d
    .split(/[M ]/)
    .filter(Boolean)
    .filter((_, i) => i % 2 === 1)
    .map(Number);
  expect(Math.min(...ys)).toBeLessThanOrEqual(20); // the spike reaches the top of the plot
});

test('ticks are round numbers over the data', () => {
  expect(niceTicks(0, 149)).toEqual([0, 50, 100]);
  expect(niceTicks(0, 149, 8)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
  expect(niceTicks(0.07, 0.93, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
  expect(niceTicks(-3, 3, 4)).toEqual([-2, 0, 2]);
});

test('the static charts stay within their budget at any size (series × points, runs), drawing every chart they can', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 5_000 }),
      fc.integer({ min: 0, max: 20 }),
      (names, points, runCount) => {
        const runs: RunInfo[] = Array.from(
          { length: runCount },
          (_, r) => ({ name: `run${r}`, config: {}, status: 'running' }) as RunInfo
        );
        const metrics = (runCount ? runs.map(r => r.name) : [undefined]).flatMap(run =>
          Array.from({ length: names }, (_, m) =>
            series(
              `g${m % 5}/m${m}`,
              Array.from({ length: points }, (_, i) => Math.sin(i + m)),
              run
            )
          )
        );
        const html = staticCharts(metrics, runs, STATIC_CHARTS_BYTES);
        expect(Buffer.byteLength(html)).toBeLessThanOrEqual(STATIC_CHARTS_BYTES);
        expect(svgsOf(html).length).toBeGreaterThan(0);
      }
    ),
    { numRuns: 30 }
  );
});

test('an ended session keeps its charts and says its files were removed; a headless run lists no paths and no install command', () => {
  const metrics = [{ name: 'loss', run: '', points: 3, last: 1, min: 1, max: 3 }];
  const media = [
    { kind: 'video', name: 'rollout', step: 0, path: 'assets/metrics-plotter-x/rollout.mp4' }
  ] as unknown as Parameters<typeof summaryHtml>[0]['media'];
  const charts = staticCharts([series('loss', [3, 2, 1])], [], STATIC_CHARTS_BYTES);
  const ended = summaryHtml(
    { title: 't', metrics, media, runs: [], closed: true },
    'npx metrics-plotter install --python /venv/bin/python',
    charts,
    IN_LAB
  );
  expect(ended).toContain('(session ended, files removed)');
  expect(svgsOf(ended)).toHaveLength(1);
  expect(ended).not.toContain('assets/');
  expect(ended).not.toContain('/venv/bin/python');

  const live = { title: 't', metrics, media, runs: [], closed: false };
  const headless = summaryText(live, 'npx metrics-plotter install --python /venv/bin/python', {
    headless: 'jupyter nbconvert',
    staticOnly: null
  });
  expect(headless).toContain(
    "Saved by a headless run (jupyter nbconvert): the plotter's videos and images are removed when the run ends."
  );
  expect(headless).not.toContain('assets/');
  expect(headless).not.toContain('/venv/bin/python');
  const inLab = summaryText(live, 'npx metrics-plotter install --python /venv/bin/python', IN_LAB);
  expect(inLab).toContain('assets/metrics-plotter-x/rollout.mp4');
  expect(inLab).toContain('npx metrics-plotter install --python /venv/bin/python');
});

test('a server that cannot load the extension (the classic notebook, a Python without JupyterLab) is told so, not told to install it', () => {
  const live = { title: 't', metrics: [], media: [], runs: [], closed: false };
  const text = summaryText(live, 'npx metrics-plotter install --python /usr/bin/python3', {
    headless: null,
    staticOnly: 'the classic notebook (nbclassic)'
  });
  expect(text).toContain(
    'This output is shown by the classic notebook (nbclassic), which cannot load the metrics-plotter extension'
  );
  expect(text).toContain('open the notebook in JupyterLab 4\nor Notebook 7');
  expect(text).not.toContain('npx metrics-plotter install');
});

test("the kernel's Jupyter parent: nbclassic, or a Python without JupyterLab, means static output only; the venv's JupyterLab and Voilà do not", () => {
  const scripts = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-parents-'));
  /** What a kernel started by `<python> <script named tool>` learns of its parent. */
  const parentOf = (python: string, tool: string) => {
    const script = path.join(scripts, tool);
    fs.writeFileSync(script, 'import time\ntime.sleep(30)\n');
    const server = spawn(python, [script], { stdio: 'ignore' });
    try {
      // Once exec'd, the process' command line is the server's.
      while (!fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').includes(tool)) spawnSync('sleep', ['0.02']);
      return jupyterParent({ JPY_PARENT_PID: String(server.pid), HOME: scripts });
    } finally {
      server.kill();
    }
  };
  try {
    const venvPython = path.join(REPO, '.venv', 'bin', 'python');
    expect(parentOf(venvPython, 'jupyter-lab')).toEqual({ python: venvPython, headless: null, staticOnly: null });
    expect(parentOf(venvPython, 'jupyter-nbconvert')).toMatchObject({ headless: 'jupyter nbconvert', staticOnly: null });
    expect(parentOf(venvPython, 'jupyter-nbclassic')).toMatchObject({ staticOnly: 'the classic notebook (nbclassic)' });
    const bare = path.join(scripts, 'venv');
    spawnSync('python3', ['-m', 'venv', '--without-pip', bare]);
    const python = path.join(bare, 'bin', 'python');
    expect(parentOf(python, 'jupyter-notebook')).toMatchObject({
      staticOnly: `a Jupyter whose Python (${python}) has no JupyterLab`
    });
    // Voilà loads JupyterLab extensions without JupyterLab: advice to install the extension holds there.
    expect(parentOf(python, 'voila')).toEqual({ python, headless: null, staticOnly: null });
  } finally {
    fs.rmSync(scripts, { recursive: true, force: true });
  }
});
