/**
 * metrics-plotter, kernel side: `import { MetricsPlotter } from "metrics-plotter"` in a notebook.
 * The public API is the plotter, its options, its results and its errors; what tests and tools of
 * this package need besides is `metrics-plotter/internals` (internals.ts), outside this API.
 */
export { MetricsPlotter, Run, RunLogging, VideoWriter } from './plotter';
export type { MetricsPlotterOptions, MediaOptions, VideoOptions, VideoWriterOptions, RunOptions, RunEndOptions } from './plotter';
export type { FrameImage, PackedFrames, FramesInput, Channels } from './media/frames';
export { InputError } from './input';
export { EncodeError } from './media/video-encoder';
export { StorageError } from './files/storage-error';
export type { CleanupReport, CleanupFailure, MediaEntry, MediaKind, RunConfig, RunStatus } from '../protocol';

import { kernelRegistry } from './host/registry';
import { inNotebook } from './host/notebook';
// In a notebook kernel, comms go in and the extension's target is served when the package is
// imported: the next cell's messages already pass through them, so a plotter created there opens
// its widget model at once, and a page may attach before the first plotter (docs/protocol.md).
if (inNotebook()) kernelRegistry();
