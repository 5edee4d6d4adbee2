/** The x axis a chart draws: training steps, or the time since the first point, or the clock. */
import type { MetricSeries } from '../../protocol';

/** What a chart's x axis shows: the training step, the time since the plotter's first point, or the clock. */
export type XAxisKind = 'step' | 'relative' | 'wall';

/** Whether every series knows when its points were added (outputs of older versions did not record it). */
export function hasTimes(metrics: readonly MetricSeries[], startedAt: number | undefined): boolean {
  return startedAt !== undefined && metrics.length > 0 && metrics.every(m => m.times?.length === m.steps.length);
}

/** A series drawn against time: `steps` holds x (seconds), `trainingSteps` the steps they were logged at. */
export interface TimedSeries extends MetricSeries {
  trainingSteps?: number[];
}

/**
 * The series as a chart draws them on `axis`: x in seconds since the first point (relative) or
 * since the epoch (wall, uPlot's time scale), each point keeping its training step.
 */
export function onXAxis(metrics: MetricSeries[], axis: XAxisKind, startedAt = 0): TimedSeries[] {
  if (axis === 'step') return metrics;
  const origin = axis === 'wall' ? startedAt : 0;
  return metrics.map(m => ({
    ...m,
    steps: (m.times ?? []).map(t => (origin + t) / 1000),
    trainingSteps: m.steps
  }));
}

/** A series as logged (by step), whatever axis it is drawn on. */
export function byStep(m: TimedSeries): MetricSeries {
  if (!m.trainingSteps) return m;
  const { trainingSteps, ...rest } = m;
  return { ...rest, steps: trainingSteps };
}
