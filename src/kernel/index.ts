/** metrics-plotter, kernel side: `import { MetricsPlotter } from "metrics-plotter"` in a tslab notebook. */
export { MetricsPlotter, VideoWriter } from './plotter';
export type { MetricsPlotterOptions, MediaOptions, VideoOptions, VideoWriterOptions } from './plotter';
export type { FrameImage, PackedFrames, FramesInput, Channels } from './frames';
export { InputError, InputError as FrameError } from './input';
export { EncodeError } from './video-encoder';
export { StorageError } from './assets';
export { findFfmpeg, FFMPEG_ENV } from './ffmpeg';
export { sweepOrphans } from './assets';
export type { CleanupReport, CleanupFailure, MediaEntry, MediaKind, PlotterPayload } from '../protocol';
export { PLOTTER_MIME_TYPE } from '../protocol';
export { tslabComms, Comm, CommManager } from './tslab-comms';

import { kernelRegistry } from './lifecycle';
import { runningInTslab } from './tslab-bridge';
// In a tslab kernel, comms go in and the extension's target is served when the package is
// imported: the next cell's messages already pass through them, so a plotter created there opens
// its widget model at once, and a page may attach before the first plotter (see tslab-comms.ts).
if (runningInTslab()) kernelRegistry();
