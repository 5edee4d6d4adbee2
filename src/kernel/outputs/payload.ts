/**
 * What one view of a plotter shows, assembled from its parts: the payload (src/protocol), within
 * the saved output's byte budget; the text/HTML fallback with its static charts and stills; and the
 * display bundle that carries them all.
 */
import {
  DEFAULT_RUN,
  PLOTTER_MIME_TYPE,
  PROTOCOL_VERSION,
  type CleanupReport,
  type MemoryBound,
  type PinRequest,
  type PlotterPayload,
  type RunInfo,
  type WatchedLogdir
} from '../../protocol';
import { kernelId, oneWayKernel } from '../host/notebook';
import type { MediaLibrary } from '../media/library';
import { metricsWithinBudget, savedMetricsBudget, STATIC_CHARTS_BYTES, STILLS_BYTES } from '../metrics/saved-budget';
import { histogramsWithinBudget, type HistogramStore } from '../metrics/histograms';
import type { MetricsStore } from '../metrics/store';
import type { ListedWatch } from '../runs/logdir-watch';
import type { Runs } from '../runs/runs';
import { staticCharts } from './static-charts';
import { staticDistributions } from './static-distributions';
import { staticStills } from './static-stills';
import { installCommand, summaryHtml, summaryText, type SummaryInput } from './summary';

/** The parts of a plotter its outputs are made of. */
export interface PlotterParts {
  readonly id: string;
  readonly title: string;
  /** The notebook's folder. */
  readonly root: string;
  /** Points per series in the payload, at most. */
  readonly maxPoints: number;
  readonly metrics: MetricsStore;
  readonly histograms: HistogramStore;
  readonly media: MediaLibrary;
  readonly runs: Runs;
  /** What cleanup did, once the session ended; null while it is live. */
  readonly finalReport: CleanupReport | null;
  /** The log directories it watches or watched. */
  readonly watches: ReadonlySet<ListedWatch>;
  /** `pin()` calls, oldest first (the latest PIN_REQUESTS_SENT). */
  readonly pinRequests: readonly PinRequest[];
}

/** The watched log directories, when there are any. */
function watched(p: PlotterParts): { watched?: WatchedLogdir[] } {
  return p.watches.size ? { watched: [...p.watches].map(w => w.listing) } : {};
}

/** The runs outputs list; null while the plotter has only its default run. */
export function runList(p: PlotterParts): RunInfo[] | null {
  if (!p.runs.any) return null;
  const defaultHasData = p.metrics.hasRun(DEFAULT_RUN) || p.media.entries().some(e => !e.run);
  return p.runs.list(defaultHasData);
}

/** The memory bound, once the points reached it. */
function memoryBound(metrics: MetricsStore): { memoryBound?: MemoryBound } {
  return metrics.boundReached ? { memoryBound: { bytes: metrics.boundBytes, mergedPoints: metrics.mergedLogged } } : {};
}

/** The payload's `kernel.oneWay`, when the page cannot send to this kernel. */
function oneWay(): { oneWay?: string } {
  const name = oneWayKernel();
  return name ? { oneWay: name } : {};
}

/** The payload one view shows (see src/protocol). */
export function plotterPayload(p: PlotterParts, viewId: string): PlotterPayload {
  const startedAt = p.metrics.startedAt ?? undefined;
  const media = p.media.entries().map(e => ({ ...e }));
  // Media entries (about 250 bytes each) share the saved output's budget with the metrics.
  const budget = savedMetricsBudget(Buffer.byteLength(JSON.stringify(media)));
  // Histograms take at most a third of it; the metrics get the rest.
  const histograms = histogramsWithinBudget(p.histograms, budget / 3);
  const { metrics, omittedMetrics } = metricsWithinBudget(p.metrics.series, p.maxPoints, budget - histograms.bytes, startedAt);
  const retired = p.media.retired();
  const runs = runList(p);
  return {
    protocol: 'metrics-plotter',
    version: PROTOCOL_VERSION,
    plotterId: p.id,
    viewId,
    title: p.title,
    kernel: { id: kernelId(), pid: process.pid, cwd: p.root, ...oneWay() },
    state: p.finalReport ? 'closed' : 'live',
    ...(startedAt !== undefined ? { startedAt } : {}),
    metrics,
    ...(omittedMetrics ? { omittedMetrics } : {}),
    ...memoryBound(p.metrics),
    ...(histograms.histograms.length ? { histograms: histograms.histograms } : {}),
    ...(histograms.omitted ? { omittedHistograms: histograms.omitted } : {}),
    media,
    ...(Object.keys(retired).length ? { retired } : {}),
    ...(runs ? { runs } : {}),
    ...(p.finalReport ? { cleanup: p.finalReport } : {}),
    ...watched(p),
    ...(p.pinRequests.length ? { pins: [...p.pinRequests] } : {})
  };
}

/** What the text and HTML fallback list. */
export function summaryOf(p: PlotterParts): SummaryInput {
  return {
    title: p.title,
    metrics: p.metrics.stats(),
    histograms: p.histograms.stats(),
    media: p.media.entries(),
    runs: runList(p) ?? [],
    ...memoryBound(p.metrics),
    ...watched(p),
    closed: p.finalReport !== null
  };
}

/** The display bundle of one view: the payload, and the fallback for frontends without the extension. */
export function displayBundle(p: PlotterParts, viewId: string): Record<string, unknown> {
  const summary = summaryOf(p);
  const payload = plotterPayload(p, viewId);
  // Distributions take at most a third of the static charts' budget; the charts get the rest.
  const distributions = staticDistributions(payload.histograms ?? [], payload.runs ?? [], STATIC_CHARTS_BYTES / 3);
  const charts =
    staticCharts(payload.metrics, payload.runs ?? [], STATIC_CHARTS_BYTES - Buffer.byteLength(distributions)) +
    distributions +
    staticStills(p.media.stills(), STILLS_BYTES);
  return {
    [PLOTTER_MIME_TYPE]: payload,
    'text/html': summaryHtml(summary, installCommand(), charts),
    'text/plain': summaryText(summary)
  };
}
