/**
 * Baselines: a run pinned into the notebook itself (its metadata, under NOTEBOOK_METADATA_KEY), so
 * that every later output of that notebook overlays it, across restarts, re-runs, reopening and
 * other machines. The metadata's format, its one reader, and the pure transitions of pinning and
 * unpinning within their byte bounds. docs/usage.md, "Baselines"; the format: docs/protocol.md.
 */
import { runLabel, runOf, type MetricSeries, type RunConfig } from '../../protocol';
import { downsampleIndices } from '../../protocol/downsample';
import type { ChartSeries } from '../charts/chart-series';

/** The notebook metadata key the baselines are kept under. */
export const NOTEBOOK_METADATA_KEY = 'metrics-plotter';
export const BASELINES_VERSION = 1;
/** One baseline's JSON, at most: its series are thinned until they fit. */
export const BASELINE_BYTES = 24_000;
/** Every baseline of a notebook together, at most: pinning past it asks to unpin one first. */
export const NOTEBOOK_BASELINES_BYTES = 96_000;
/** Points per series a baseline keeps, at most (fewer when its metrics need the room). */
export const BASELINE_POINTS = 400;
/** Fewer points than this a series is not thinned to: metrics are left out instead. */
const FEWEST_POINTS = 24;
/** How many pin requests from code (`plotter.pin`) the notebook remembers having honoured. */
const PIN_REQUESTS_KEPT = 64;

export interface BaselineSeries {
  name: string;
  steps: number[];
  values: Array<number | null>;
}

export interface Baseline {
  id: string;
  /** How the charts and the table call it: the run's label unless the pin named it. */
  label: string;
  /** The output's title it was pinned from. */
  from: string;
  /** When it was pinned (ISO 8601). */
  pinnedAt: string;
  config: RunConfig;
  series: BaselineSeries[];
  /** Metrics of the run left out to stay within BASELINE_BYTES. */
  omittedMetrics?: number;
}

/** What the notebook's metadata holds under NOTEBOOK_METADATA_KEY. */
export interface NotebookBaselines {
  version: typeof BASELINES_VERSION;
  baselines: Baseline[];
  /** Ids of `plotter.pin` requests already pinned (or refused): a saved output's request is not pinned again. */
  pinRequestsDone: string[];
}

export const NO_BASELINES: NotebookBaselines = { version: BASELINES_VERSION, baselines: [], pinRequestsDone: [] };

const isNumberOrNull = (v: unknown): boolean => v === null || typeof v === 'number';

function readSeries(v: unknown): BaselineSeries | null {
  const s = v as Partial<BaselineSeries> | null;
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string') return null;
  if (!Array.isArray(s.steps) || !Array.isArray(s.values) || s.steps.length !== s.values.length) return null;
  if (!s.steps.every(x => typeof x === 'number') || !s.values.every(isNumberOrNull)) return null;
  return { name: s.name, steps: s.steps, values: s.values };
}

function readBaseline(v: unknown): Baseline | null {
  const b = v as Partial<Baseline> | null;
  if (typeof b !== 'object' || b === null) return null;
  if (typeof b.id !== 'string' || typeof b.label !== 'string' || typeof b.pinnedAt !== 'string') return null;
  if (!Array.isArray(b.series)) return null;
  const series = b.series.map(readSeries).filter((s): s is BaselineSeries => s !== null);
  const config: RunConfig = {};
  for (const [k, x] of Object.entries(typeof b.config === 'object' && b.config !== null ? b.config : {})) {
    if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') config[k] = x;
  }
  return {
    id: b.id,
    label: b.label,
    from: typeof b.from === 'string' ? b.from : '',
    pinnedAt: b.pinnedAt,
    config,
    series,
    ...(typeof b.omittedMetrics === 'number' && b.omittedMetrics > 0 ? { omittedMetrics: b.omittedMetrics } : {})
  };
}

/**
 * The baselines of a notebook's metadata value, whatever was written there: entries this version
 * cannot read are skipped, a newer version's are read for the fields it shares (and kept on write).
 */
export function readNotebookBaselines(value: unknown): NotebookBaselines {
  const v = value as Partial<NotebookBaselines> | null;
  if (typeof v !== 'object' || v === null) return NO_BASELINES;
  const baselines = Array.isArray(v.baselines) ? v.baselines.map(readBaseline).filter((b): b is Baseline => b !== null) : [];
  const done = Array.isArray(v.pinRequestsDone) ? v.pinRequestsDone.filter((x): x is string => typeof x === 'string') : [];
  return { version: BASELINES_VERSION, baselines, pinRequestsDone: done };
}

export const jsonBytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

/** Six significant digits: what a chart and a table show, in fewer bytes than a double's seventeen. */
const compact = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(6)));

/** A series thinned to `points` (min/max buckets, the ends kept), its values compacted. */
function thinned(m: MetricSeries, points: number): BaselineSeries {
  const keep = downsampleIndices(m.values, points);
  return { name: m.name, steps: keep.map(i => m.steps[i]), values: keep.map(i => compact(m.values[i])) };
}

export interface PinSource {
  /** The run's name in its plotter (DEFAULT_RUN for the plotter's own logging). */
  run: string;
  config: RunConfig;
  /** The output's title. */
  from: string;
  /** The plotter's series (every run's; the run's are taken), on the step axis. */
  metrics: readonly MetricSeries[];
}

/**
 * A baseline of one run, within BASELINE_BYTES: every series at BASELINE_POINTS at most, halved
 * until they fit; when even FEWEST_POINTS a series do not, the metrics that do (in order) and how
 * many were left out. Null when the run has no series.
 */
export function baselineOf(source: PinSource, options: { id: string; pinnedAt: string; label?: string }): Baseline | null {
  const own = source.metrics.filter(m => runOf(m) === source.run && m.steps.length > 0);
  if (!own.length) return null;
  const head = {
    id: options.id,
    label: options.label ?? runLabel(source.run),
    from: source.from,
    pinnedAt: options.pinnedAt,
    config: source.config
  };
  for (let points = BASELINE_POINTS; points >= FEWEST_POINTS; points = Math.floor(points / 2)) {
    const baseline: Baseline = { ...head, series: own.map(m => thinned(m, points)) };
    if (jsonBytes(baseline) <= BASELINE_BYTES) return baseline;
  }
  const series: BaselineSeries[] = [];
  for (const m of own) {
    const next = [...series, thinned(m, FEWEST_POINTS)];
    if (jsonBytes({ ...head, series: next, omittedMetrics: own.length }) > BASELINE_BYTES) break;
    series.push(next[next.length - 1]);
  }
  return { ...head, series, omittedMetrics: own.length - series.length };
}

/** A pin's outcome; refused, `next` still marks the request done (it is not retried at every render). */
export type PinResult =
  { ok: true; next: NotebookBaselines; replaced: Baseline | null } | { ok: false; next: NotebookBaselines; error: string };

/** How many kB, for messages. */
const kB = (bytes: number): string => `${Math.ceil(bytes / 1000)} kB`;

/**
 * The notebook's baselines with `baseline` pinned: it replaces a baseline of the same label pinned
 * from the same output title (pinning a run again updates it). Refused, with what to do, when the
 * notebook's baselines would pass NOTEBOOK_BASELINES_BYTES.
 */
export function withPinned(store: NotebookBaselines, baseline: Baseline, requestId?: string): PinResult {
  const replaced = store.baselines.find(b => b.label === baseline.label && b.from === baseline.from) ?? null;
  const baselines = [...store.baselines.filter(b => b !== replaced), baseline];
  const next = { ...store, baselines, pinRequestsDone: requestDone(store, requestId) };
  // Each baseline's own bytes: four at BASELINE_BYTES fit.
  const bytes = baselines.reduce((sum, b) => sum + jsonBytes(b), 0);
  if (bytes > NOTEBOOK_BASELINES_BYTES) {
    return {
      ok: false,
      next: { ...store, pinRequestsDone: next.pinRequestsDone },
      error:
        `Could not pin "${baseline.label}": this notebook's baselines would take ${kB(bytes)}, over the ` +
        `${kB(NOTEBOOK_BASELINES_BYTES)} a notebook keeps. Unpin a baseline first (the Unpin button in Baselines).`
    };
  }
  return { ok: true, next, replaced };
}

/** The notebook's baselines without the one of this id. */
export function withoutBaseline(store: NotebookBaselines, id: string): NotebookBaselines {
  return { ...store, baselines: store.baselines.filter(b => b.id !== id) };
}

/** The pin requests done, with this one (the latest PIN_REQUESTS_KEPT). */
export function requestDone(store: NotebookBaselines, requestId: string | undefined): string[] {
  if (!requestId || store.pinRequestsDone.includes(requestId)) return store.pinRequestsDone;
  return [...store.pinRequestsDone, requestId].slice(-PIN_REQUESTS_KEPT);
}

/** The day a baseline was pinned, as its legend says it ("Dec 6"), in the reader's locale. */
export function pinnedDay(b: Baseline): string {
  const d = new Date(b.pinnedAt);
  return Number.isNaN(d.getTime()) ? b.pinnedAt : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * The colours of baselines, in pin order: apart from the runs' palette, each line dashed, each at
 * least 3:1 against both themes' backgrounds (as SERIES_COLORS).
 */
export const BASELINE_COLOURS = ['#7f7f7f', '#9a6b5e', '#8f8f00', '#0f96a3', '#c0579e'];

export const baselineColour = (i: number): string => BASELINE_COLOURS[i % BASELINE_COLOURS.length];

/**
 * The shown baselines' series of the metrics an output has (`metricNames`), each a dashed line in
 * its baseline's colour, labelled with its day (and with its metric where `sharesChart` says the
 * metric shares its chart with others).
 */
export function baselineChartSeries(
  baselines: readonly Baseline[],
  hidden: ReadonlySet<string>,
  metricNames: ReadonlySet<string>,
  sharesChart: (name: string) => boolean
): ChartSeries[] {
  const out: ChartSeries[] = [];
  baselines.forEach((b, i) => {
    if (hidden.has(b.id)) return;
    for (const s of b.series) {
      if (!metricNames.has(s.name)) continue;
      out.push({
        name: s.name,
        run: `baseline\u0001${b.id}`,
        steps: s.steps,
        values: s.values,
        totalPoints: s.steps.length,
        label: `${sharesChart(s.name) ? `${s.name}: ` : ''}${b.label} (baseline, ${pinnedDay(b)})`,
        color: baselineColour(i),
        role: 'baseline'
      });
    }
  });
  return out;
}
