/**
 * metrics-plotter, kernel side: `import { MetricsPlotter } from "metrics-plotter"` in a notebook.
 * The public API is this file's exports: the plotter and its runs, the video writer, their options,
 * results and errors (package.json's `exports` map makes every other path private). What tests and
 * tools of this package need besides is `metrics-plotter/internals` (internals.ts), outside this API.
 */
export { MetricsPlotter, Run, RunLogging } from './plotter';
export { VideoWriter } from './media/video-writer';
export { LogdirWatch, type WatchOptions } from './runs/logdir-watch';
export type { MetricsPlotterOptions, MediaOptions, VideoOptions, VideoWriterOptions, RunOptions, RunEndOptions } from './options';
export type { FrameImage, PackedFrames, FramesInput, Channels } from './media/frames';
export { InputError } from './input';
export { EncodeError } from './media/video-encoder';
export { StorageError } from './files/storage-error';
export type { CleanupReport, CleanupFailure, MediaEntry, MediaKind, RunConfig, RunStatus } from '../protocol';

import { kernelRegistry } from './host/kernel-registry';
import { inNotebook } from './host/notebook';
// In a notebook kernel, comms go in and the extension's target is served when the package is
// imported: the next cell's messages already pass through them, so a plotter created there opens
// its widget model at once, and a page may attach before the first plotter (docs/protocol.md).
if (inNotebook()) kernelRegistry();
