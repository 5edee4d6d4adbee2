/**
 * The plain-text and HTML parts of a plotter output: what a JupyterLab without the extension shows
 * (and what a plain Node script prints). Useful on their own: each metric's last, min and max, the
 * videos' paths, the one command that installs the extension for the JupyterLab in use, and the
 * honest note on what cleans up without it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  escapeHtml,
  memoryBoundMessage,
  runLabel,
  watchedLogdirMessage,
  type MediaEntry,
  type MemoryBound,
  type RunInfo,
  type WatchedLogdir
} from '../../protocol';
import { formatConfigValue, formatNumber } from '../../protocol/format';
import type { HistogramStats } from '../metrics/histograms';
import type { MetricStats } from '../metrics/store';

/** Metrics listed in the text; a run with more says how many more. */
const LISTED_METRICS = 40;
/** Media entries listed (the latest); the rest are counted. */
const LISTED_MEDIA = 20;

export interface SummaryInput {
  title: string;
  metrics: MetricStats[];
  /** Histogram series, each by its latest step. */
  histograms?: HistogramStats[];
  media: readonly MediaEntry[];
  /** The plotter's runs; empty while it has only its default run. */
  runs: readonly RunInfo[];
  /** Present once the plotter's points reached its memory bound. */
  memoryBound?: MemoryBound;
  /** The log directories watched. */
  watched?: readonly WatchedLogdir[];
  closed: boolean;
}

/** Runs listed with their config; a sweep with more says how many more. */
const LISTED_RUNS = 20;

/** "lr=3e-4, seed=1" */
function configText(run: RunInfo): string {
  return Object.entries(run.config)
    .map(([k, v]) => `${k}=${formatConfigValue(v)}`)
    .join(', ');
}

function runLine(run: RunInfo): string {
  const config = configText(run);
  return `run "${runLabel(run.name)}"${config ? ` (${config})` : ''}${run.status === 'running' ? '' : `: ${run.status}`}`;
}

/** A metric's name as the summary lists it: with its run when the plotter has runs. */
function metricLabel(s: SummaryInput, m: MetricStats): string {
  return s.runs.length ? `${runLabel(m.run)} · ${m.name}` : m.name;
}

/** What started this kernel, as its outputs need to know it. */
export interface JupyterParent {
  /**
   * The Python that runs the Jupyter server, to name it in the install command: the interpreter of
   * the environment JupyterLab runs in (a venv's bin/python, not the file that symlink points to).
   */
  python: string | null;
  /**
   * The tool when the notebook runs headless (`jupyter nbconvert --execute`, papermill): no page
   * shows its outputs live, what is saved is read after the run ended.
   */
  headless: 'jupyter nbconvert' | 'papermill' | null;
  /**
   * Why the server cannot load a JupyterLab extension at all, when it cannot (the classic notebook,
   * or a Python with neither JupyterLab nor Voilà): advice to install one would fail there.
   */
  staticOnly: string | null;
}

/**
 * Whether JupyterLab's files are anywhere Jupyter looks for them, for the Python `python`: its
 * environment's share/jupyter, the user's, the system's, and JUPYTER_PATH / JUPYTER_DATA_DIR. Said
 * "no" only when none has `lab`: a wrong "no" would tell a JupyterLab user the extension cannot load.
 */
function hasJupyterLab(python: string, env: NodeJS.ProcessEnv): boolean {
  const home = env.HOME ?? os.homedir();
  const dataDirs = [
    path.join(path.dirname(path.dirname(python)), 'share', 'jupyter'),
    path.join(home, '.local', 'share', 'jupyter'),
    '/usr/local/share/jupyter',
    '/usr/share/jupyter',
    ...(env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean),
    ...(env.JUPYTER_DATA_DIR ? [env.JUPYTER_DATA_DIR] : [])
  ];
  return dataDirs.some(dir => fs.existsSync(path.join(dir, 'lab')));
}

/** jupyter_client tells kernels its pid (JPY_PARENT_PID); its command line says which tool that is. */
export function jupyterParent(env: NodeJS.ProcessEnv = process.env): JupyterParent {
  const pid = Number(env.JPY_PARENT_PID);
  const none: JupyterParent = { python: null, headless: null, staticOnly: null };
  if (!Number.isInteger(pid) || pid <= 0) return none;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const tool = argv.slice(0, 3).join(' ');
    const python = path.isAbsolute(argv[0]) && /python/i.test(path.basename(argv[0])) ? argv[0] : null;
    // Voilà loads JupyterLab extensions from the same folders without JupyterLab installed.
    const voila = /voila/.test(tool);
    return {
      python,
      headless: /nbconvert/.test(tool) ? 'jupyter nbconvert' : /papermill/.test(tool) ? 'papermill' : null,
      staticOnly: /nbclassic/.test(tool)
        ? 'the classic notebook (nbclassic)'
        : python && !voila && !hasJupyterLab(python, env)
          ? `a Jupyter whose Python (${python}) has no JupyterLab`
          : null
    };
  } catch {
    return none;
  }
}

let parent: JupyterParent | undefined;

/** This kernel's Jupyter parent (it does not change: read once). */
export function kernelParent(): JupyterParent {
  return (parent ??= jupyterParent());
}

/** The command that installs the extension for this kernel's JupyterLab. */
export function installCommand(python: string | null = kernelParent().python): string {
  return `npx metrics-plotter install --python ${python ?? '"$(which python)"'}`;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function headline(s: SummaryInput): string {
  const videos = s.media.filter(e => e.kind === 'video').length;
  const images = s.media.length - videos;
  return (
    `MetricsPlotter "${s.title}": ${s.runs.length ? `${count(s.runs.length, 'run')}, ` : ''}` +
    `${count(s.metrics.length, 'metric')}, ${s.histograms?.length ? `${count(s.histograms.length, 'histogram')}, ` : ''}${count(videos, 'video')}` +
    (images ? `, ${count(images, 'image')}` : '') +
    (s.closed ? ' (session ended, files removed).' : '.')
  );
}

/** Histograms listed (each by its latest step); the rest are counted. */
const LISTED_HISTOGRAMS = 20;

/** A histogram series' name as the summary lists it, and its latest step's cells. */
function histogramRow(s: SummaryInput, h: HistogramStats): string[] {
  const { last } = h;
  return [
    s.runs.length ? `${runLabel(h.run)} · ${h.name}` : h.name,
    last.step.toLocaleString('en'),
    formatNumber(last.min),
    formatNumber(last.median),
    formatNumber(last.max),
    last.values.toLocaleString('en') + (last.nonFinite ? ` (${last.nonFinite.toLocaleString('en')} not finite)` : '')
  ];
}
const HISTOGRAM_COLUMNS = ['histogram', 'at step', 'min', 'median', 'max', 'values'];

function mediaLine(e: MediaEntry): string {
  const detail = e.kind === 'video' ? `${e.width}x${e.height}, ${e.frames} frames at ${e.fps} fps` : `${e.width}x${e.height}`;
  return `${e.kind} "${e.name}"${e.run ? ` of run "${e.run}"` : ''} at step ${e.step}: ${e.path}  (${detail})`;
}

/**
 * What the fallback says of the extension: how to install it while a page shows the output live; in
 * a headless run, that the files go when the run ends (the output is read after that).
 */
function extensionNote(command: string, headless: Reader['headless'], staticOnly: Reader['staticOnly']): string[] {
  if (staticOnly)
    return [
      `This output is shown by ${staticOnly}, which cannot load the metrics-plotter extension: it shows the charts`,
      'as images and a still of each video. For interactive charts and video players, open the notebook in JupyterLab 4',
      'or Notebook 7. plotter.close(), a kernel restart or a shutdown removes the videos; closing the notebook or',
      'clearing this output does not.'
    ];
  if (headless)
    return [
      `Saved by a headless run (${headless}): the plotter's videos and images are removed when the run ends. Interactive`,
      'charts and video players are for a notebook run in JupyterLab with the metrics-plotter extension.'
    ];
  return [
    'Interactive charts (zoom, smoothing, hover) and the video players need the metrics-plotter JupyterLab',
    `extension. Install it for this JupyterLab (in the notebook's folder), then reload the page:  ${command}`,
    'Without it, plotter.close(), a kernel restart or a shutdown removes the videos; closing the notebook or',
    'clearing this output does not.'
  ];
}

/** Where the output is read: headless (read after the run), or by a server that shows static output only. */
export type Reader = Pick<JupyterParent, 'headless' | 'staticOnly'>;

/**
 * @param command the install command to show; null outside a notebook, where the extension note means nothing.
 * @param reader where the output is read (this kernel's Jupyter parent says).
 */
export function summaryText(s: SummaryInput, command: string | null = installCommand(), reader: Reader = kernelParent()): string {
  const { headless, staticOnly } = reader;
  const lines = [headline(s)];
  for (const run of s.runs.slice(0, LISTED_RUNS)) lines.push(`  ${runLine(run)}`);
  if (s.runs.length > LISTED_RUNS) lines.push(`  … and ${s.runs.length - LISTED_RUNS} more runs`);
  const listed = s.metrics.slice(0, LISTED_METRICS);
  if (listed.length) {
    const width = Math.min(40, Math.max(6, ...listed.map(m => metricLabel(s, m).length)));
    const cell = (x: string): string => x.padStart(11);
    lines.push(`  ${'metric'.padEnd(width)} ${cell('last')} ${cell('min')} ${cell('max')} ${cell('points')}`);
    for (const m of listed) {
      const label = metricLabel(s, m);
      const name = label.length > width ? `${label.slice(0, width - 1)}…` : label.padEnd(width);
      lines.push(
        `  ${name} ${cell(formatNumber(m.last))} ${cell(formatNumber(m.min))} ${cell(formatNumber(m.max))} ${cell(m.points.toLocaleString('en'))}`
      );
    }
    if (s.metrics.length > listed.length)
      lines.push(`  … and ${(s.metrics.length - listed.length).toLocaleString('en')} more metrics`);
  }
  const histograms = (s.histograms ?? []).slice(0, LISTED_HISTOGRAMS).map(h => histogramRow(s, h));
  if (histograms.length) {
    const width = Math.min(40, Math.max(9, ...histograms.map(r => r[0].length)));
    const name = (x: string): string => (x.length > width ? `${x.slice(0, width - 1)}…` : x.padEnd(width));
    for (const r of [HISTOGRAM_COLUMNS, ...histograms])
      lines.push(
        `  ${name(r[0])} ${r
          .slice(1)
          .map(c => c.padStart(11))
          .join(' ')}`
      );
    if (s.histograms!.length > histograms.length)
      lines.push(`  … and ${s.histograms!.length - histograms.length} more histograms`);
  }
  if (s.memoryBound) lines.push(`  ${memoryBoundMessage(s.memoryBound)}`);
  for (const w of s.watched ?? []) lines.push(`  ${watchedLogdirMessage(w)}`);
  if (!s.closed) {
    if (!headless) {
      for (const e of s.media.slice(-LISTED_MEDIA)) lines.push(`  ${mediaLine(e)}`);
      if (s.media.length > LISTED_MEDIA) lines.push(`  … and ${s.media.length - LISTED_MEDIA} earlier media entries`);
    }
    if (command) lines.push(...extensionNote(command, headless, staticOnly));
  }
  return lines.join('\n');
}

/**
 * @param charts the output's static charts and stills (static-charts.ts, static-stills.ts), above the table.
 * @param reader where the output is read (a headless run's media paths are gone when it is).
 */
export function summaryHtml(s: SummaryInput, command = installCommand(), charts = '', reader: Reader = kernelParent()): string {
  const { headless, staticOnly } = reader;
  const listed = s.metrics.slice(0, LISTED_METRICS);
  const rows = listed
    .map(
      m =>
        `<tr><td>${escapeHtml(metricLabel(s, m))}</td><td>${formatNumber(m.last)}</td><td>${formatNumber(m.min)}</td>` +
        `<td>${formatNumber(m.max)}</td><td>${m.points.toLocaleString('en')}</td></tr>`
    )
    .join('');
  const more =
    s.metrics.length > listed.length
      ? `<p>… and ${(s.metrics.length - listed.length).toLocaleString('en')} more metrics</p>`
      : '';
  const table = listed.length
    ? `<table><tr><th>metric</th><th>last</th><th>min</th><th>max</th><th>points</th></tr>${rows}</table>${more}`
    : '';
  const media =
    s.closed || headless
      ? ''
      : s.media
          .slice(-LISTED_MEDIA)
          .map(e => `<div>${escapeHtml(mediaLine(e))}</div>`)
          .join('');
  const note = s.closed
    ? ''
    : `<p>${escapeHtml(extensionNote(command, headless, staticOnly).join(' ')).replace(escapeHtml(command), `<code>${escapeHtml(command)}</code>`)}</p>`;
  const runs = s.runs
    .slice(0, LISTED_RUNS)
    .map(r => `<div>${escapeHtml(runLine(r))}</div>`)
    .join('');
  const histogramRows = (s.histograms ?? []).slice(0, LISTED_HISTOGRAMS).map(h => histogramRow(s, h));
  const histograms = histogramRows.length
    ? `<table><tr>${HISTOGRAM_COLUMNS.map(c => `<th>${c}</th>`).join('')}</tr>${histogramRows
        .map(r => `<tr>${r.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
        .join('')}</table>`
    : '';
  const bound = s.memoryBound ? `<p>${escapeHtml(memoryBoundMessage(s.memoryBound))}</p>` : '';
  const watched = (s.watched ?? []).map(w => `<p>${escapeHtml(watchedLogdirMessage(w))}</p>`).join('');
  return `<div><b>${escapeHtml(headline(s))}</b>${runs}${charts}${table}${histograms}${bound}${watched}${media}${note}</div>`;
}
