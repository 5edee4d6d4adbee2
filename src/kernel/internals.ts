/**
 * `metrics-plotter/internals`: what this package's tests, benchmarks and tools use besides the
 * public API (index.ts). Not a stable API: it changes with the code it exposes.
 */
import { coreOf, type PlotterCore } from './plotter-core';
import type { MetricsPlotter } from './plotter';

/** The plotter's insides, for this package's benchmarks and tests; not part of the API. */
export function plotterInternals(plotter: MetricsPlotter): PlotterCore {
  return coreOf(plotter);
}

export { tslabComms, Comm, CommManager } from './host/tslab-comms';
export { sweepOrphans } from './files/sweep';
export { kernelRegistry } from './host/kernel-registry';
export { findFfmpeg, FFMPEG_ENV } from './media/ffmpeg';
export { ffmpegArgs } from './media/video-encoder';
export { metricsWithinBudget, DETAIL_METRICS_BUDGET_BYTES } from './metrics/saved-budget';
export type { PlotterPayload } from '../protocol';
export { PLOTTER_MIME_TYPE } from '../protocol';
