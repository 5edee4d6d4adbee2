/**
 * `metrics-plotter/internals`: what this package's tests, benchmarks and tools use besides the
 * public API (index.ts). Not a stable API: it changes with the code it exposes.
 */
export { plotterInternals } from './plotter';
export { tslabComms, Comm, CommManager } from './host/tslab-comms';
export { sweepOrphans } from './files/sweep';
export { kernelRegistry } from './host/registry';
export { findFfmpeg, FFMPEG_ENV } from './media/ffmpeg';
export { ffmpegArgs } from './media/video-encoder';
export { metricsWithinBudget, DETAIL_METRICS_BUDGET_BYTES } from './metrics/saved-budget';
export type { PlotterPayload } from '../protocol';
export { PLOTTER_MIME_TYPE } from '../protocol';
