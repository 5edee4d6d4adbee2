/**
 * What a chart is given: its title and its series, each as the chart draws it (with runs, its
 * label and its run's colour; with grouped runs, its part of a run group). Which metrics share a
 * chart is src/protocol/charts.ts's `chartsOf`, the same for the panel and the static charts.
 */
import type { MetricSeries } from '../../protocol';

/** A series as a chart draws it: with runs, its legend label and its run's colour. */
export interface ChartSeries extends MetricSeries {
  /** The legend's label (default: the metric's name). */
  label?: string;
  /** The stroke colour (default: the series' place in its chart). */
  color?: string;
  /**
   * With grouped runs: a run group's mean (drawn bold, in the legend), the edges of its band (the
   * band between them filled), or one of its runs (drawn faint behind). A baseline pinned in the
   * notebook (drawn dashed, in the legend). Absent: a series of its own.
   */
  role?: 'mean' | 'lower' | 'upper' | 'member' | 'baseline';
  /** The run group a mean, its band and its runs belong to: one legend toggle shows or hides them all. */
  runGroup?: string;
}

/** One chart: the metrics of one chart key ("loss" for "loss/train" and "loss/eval"), or one metric. */
export interface ChartContents {
  /** Chart title: the shared prefix, or the metric's name. */
  title: string;
  metrics: ChartSeries[];
}
