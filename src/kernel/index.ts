/** metrics-plotter, kernel side: `import { MetricsPlotter } from "metrics-plotter"` in a tslab notebook. */
export { MetricsPlotter, VideoWriter } from './plotter';
export type { MetricsPlotterOptions, VideoOptions, VideoWriterOptions } from './plotter';
export type { FrameImage, PackedFrames, FramesInput, Channels } from './frames';
export { FrameError } from './frames';
export { EncodeError } from './video-encoder';
export { findFfmpeg, FFMPEG_ENV } from './ffmpeg';
export { sweepOrphans } from './assets';
export type { CleanupReport, CleanupFailure, VideoEntry, PlotterPayload } from '../protocol';
export { PLOTTER_MIME_TYPE } from '../protocol';
