/**
 * What a researcher passes to a plotter, a run and their logging calls, and the plotter's settings
 * as read from its options (each value checked in input.ts).
 */
import * as path from 'path';
import type { RunConfig } from '../protocol';
import { defaultEncodeLimit } from './media/encode-pool';
import type { Channels } from './media/frames';
import { checkKeepLast, checkMaxEncodes, checkMaxPointsPerSeries, checkMemoryBoundMB, checkPlotterOptions } from './input';
import { defaultMemoryBoundBytes } from './metrics/store';

export interface MetricsPlotterOptions {
  /** Shown above the charts. */
  title?: string;
  /** The notebook's folder, where assets/ goes. Default: the kernel's working folder (tslab never changes it). */
  root?: string;
  /** Points per series sent to the notebook; longer series are downsampled (min/max per bucket). */
  maxPointsPerSeries?: number;
  /** At most one live update of shown outputs per this many milliseconds. */
  liveUpdateMs?: number;
  /** Keep only the last N entries of each media name on disk (older files are deleted). Default: all. */
  keepLast?: number;
  /**
   * Megabytes the kernel may keep points in (12 to 16 bytes a point); past it, older detail of every series
   * is merged into min/max buckets instead of growing, and the output says so. Default: an eighth of
   * the machine's memory.
   */
  memoryBoundMB?: number;
  /**
   * At most this many encodes (ffmpeg processes) run at once; the others wait for their turn, in
   * the order they were logged, holding only the frames their caller made. Default: one per core.
   */
  maxEncodes?: number;
}

export interface MediaOptions {
  /** The training step; default: the latest step of any metric, or 0. */
  step?: number;
  /** Keep only the last N entries of this name on disk, from now on. */
  keepLast?: number;
}

export interface VideoOptions extends MediaOptions {
  /** Frames per second, from 0.01 to 1000. */
  fps: number;
  /** x264 quality (lower is better, bigger), 0 to 51; default 20. */
  crf?: number;
  /** Show encoding progress in the cell for videos of at least this many frames; default 120. */
  progressFromFrames?: number;
}

export interface VideoWriterOptions extends VideoOptions {
  width: number;
  height: number;
  /** 4 for RGBA (canvas ImageData), 3 for RGB, 1 for grayscale; default 4. */
  channels?: Channels;
}

export interface RunOptions {
  /** The run's hyperparameters: flat, finite numbers, strings and booleans. */
  config?: RunConfig;
}

export interface RunEndOptions {
  /** The run failed (diverged, crashed); the runs table says so. */
  failed?: boolean;
}

/** A plotter's settings, every option read and defaulted. */
export interface PlotterSettings {
  title: string;
  /** The notebook's folder, absolute. */
  root: string;
  maxPoints: number;
  liveUpdateMs: number;
  keepLast: number | undefined;
  memoryBoundBytes: number;
  maxEncodes: number;
}

/** The settings of `new MetricsPlotter(options)`; bad options throw an InputError. */
export function readPlotterOptions(options: MetricsPlotterOptions): PlotterSettings {
  checkPlotterOptions(options);
  return {
    title: options.title === undefined ? 'Metrics' : String(options.title),
    root: path.resolve(options.root ?? process.cwd()),
    maxPoints: checkMaxPointsPerSeries(options.maxPointsPerSeries ?? 2000),
    liveUpdateMs: options.liveUpdateMs ?? 250,
    keepLast: checkKeepLast("the plotter's", options.keepLast),
    memoryBoundBytes: checkMemoryBoundMB(options.memoryBoundMB) ?? defaultMemoryBoundBytes(),
    maxEncodes: checkMaxEncodes(options.maxEncodes) ?? defaultEncodeLimit()
  };
}
