/**
 * A page's requests about one plotter's data, answered by that plotter: the live stream
 * (subscribe, unsubscribe, range), its histograms in detail, and its media (the bytes of a file, keep). The registry routes
 * them here (host/extension-requests.ts), and answers the requests about which page holds a view
 * itself.
 */
import { HISTOGRAM_DETAIL_STEPS, MEDIA_CHUNK_BYTES, runOf, type MediaEntry } from '../../protocol';
import type { Answer, PlotterRequest } from '../host/contracts';
import type { PageComm } from '../host/page-comm';
import type { MediaLibrary } from '../media/library';
import { histogramsWithinBudget, type HistogramStore } from '../metrics/histograms';
import { DETAIL_METRICS_BUDGET_BYTES } from '../metrics/saved-budget';
import type { MetricsStore } from '../metrics/store';
import type { LiveStream } from './live-stream';

/** What answering needs of a plotter. */
export interface AnsweringPlotter {
  readonly id: string;
  readonly metrics: MetricsStore;
  readonly histograms: HistogramStore;
  readonly media: MediaLibrary;
  readonly stream: LiveStream;
  /** The MIME bundle of one of its views, as it is now. */
  bundle(viewId: string): Record<string, unknown>;
  /** Keeps `run`'s entry of `name` at `step` for good (as plotter.keep does); throws when it cannot. */
  keep(run: string, name: string, step: number | undefined, to: string | undefined): MediaEntry;
}

export function answerPlotterRequest(plotter: AnsweringPlotter, request: PlotterRequest, comm: PageComm): Answer {
  const plotterId = plotter.id;
  switch (request.request) {
    case 'unsubscribe':
      plotter.stream.unsubscribe(comm, request.viewId);
      return { data: { reply: 'unsubscribe', plotterId }, buffers: [] };
    case 'subscribe': {
      const { viewId, points, bundles } = request;
      const { series, buffers } = plotter.stream.subscribe(comm, viewId, points, bundles);
      const reply = { reply: 'subscribe' as const, plotterId, known: true, startedAt: plotter.metrics.startedAt, series };
      return { data: bundles ? { ...reply, bundle: plotter.bundle(viewId) } : reply, buffers };
    }
    case 'range': {
      const { axis, min, max } = request;
      const { series, buffers } = plotter.stream.range(axis, min, max, request.points);
      return { data: { reply: 'range', plotterId, known: true, axis, min, max, series }, buffers };
    }
    case 'keep': {
      const entry = plotter.media.entries().find(e => e.path === request.path);
      const reply = { reply: 'keep' as const, plotterId, path: request.path };
      if (!entry) return { data: { ...reply, error: 'that entry is no longer in the plotter' }, buffers: [] };
      try {
        const kept = plotter.keep(runOf(entry), entry.name, entry.step, undefined);
        return { data: { ...reply, keptAs: kept.path }, buffers: [] };
      } catch (err) {
        return { data: { ...reply, error: (err as Error).message }, buffers: [] };
      }
    }
    case 'histograms': {
      const { histograms } = histogramsWithinBudget(plotter.histograms, DETAIL_METRICS_BUDGET_BYTES, HISTOGRAM_DETAIL_STEPS);
      return { data: { reply: 'histograms', plotterId, known: true, histograms }, buffers: [] };
    }
    case 'media': {
      const { path, offset } = request;
      const { state, size, bytes } = plotter.media.readChunk(path, offset, MEDIA_CHUNK_BYTES);
      const data = { reply: 'media' as const, plotterId, known: true, path, state, size, offset };
      return { data, buffers: bytes.length ? [bytes] : [] };
    }
  }
}
