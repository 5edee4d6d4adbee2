/**
 * uPlot's options for one chart, as a pure function of what the chart shows: axes by the x axis
 * in effect, a line per series (a run group's mean bold, its runs faint, its band filled), the
 * theme's colours, and the element's hooks. Rebuilt only when the chart's shape changes.
 */
import uPlot from 'uplot';
import { formatDuration, formatTicks } from '../../protocol/format';
import { bands, colorOf, dashOf, labelOf, listed, plainWidth, smoothingOn, toggleKey, type YShaping } from './chart-data';
import type { ChartSeries } from './chart-series';
import type { XAxisKind } from './x-axis';

export const CHART_HEIGHT = 220;

/** Tick spacings a relative-time axis picks from: whole seconds, minutes, hours, days. */
const DURATION_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800
];

export interface PlotShape extends YShaping {
  width: number;
  series: readonly ChartSeries[];
  hidden: ReadonlySet<string>;
  xAxis: XAxisKind;
  /** Charts with the same key move their cursors together (the panel's). */
  syncKey: string;
  /** The theme's text and grid colours. */
  text: string;
  grid: string;
  /** Each line with its run's dash pattern ("Dashes"), to tell them apart without colour. */
  dashes: boolean;
}

/** What the element does when uPlot asks: the y range, and its hooks. */
export interface PlotCallbacks {
  yRange: (u: uPlot, min: number | null, max: number | null) => uPlot.Range.MinMax;
  draw: (u: uPlot) => void;
  setCursor: (u: uPlot) => void;
  setScale: (u: uPlot, key: string) => void;
  /** The line nearest the cursor (uPlot's index), or null when none is near. */
  focusLine: (line: number | null) => void;
}

/**
 * Calls `redraw` when JupyterLab switches its theme: a canvas keeps the --jp-* colours it was drawn
 * with. Disconnect the observer returned when the element goes.
 */
export function onThemeChange(redraw: () => void): MutationObserver {
  const observer = new MutationObserver(redraw);
  observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light'] });
  return observer;
}

/** An axis in the theme's text and grid colours (a chart's, a distribution's). */
export function themedAxis(label: string, text: string, grid: string): uPlot.Axis {
  return {
    label,
    stroke: text,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    font: '11px system-ui, sans-serif',
    labelFont: '11px system-ui, sans-serif'
  };
}

/** The selected step: a dashed line across the plot at canvas x `at`, in the theme's brand colour. */
export function drawStepLine(u: uPlot, at: number, color: string): void {
  const { ctx } = u;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  ctx.beginPath();
  ctx.moveTo(at, top);
  ctx.lineTo(at, top + height);
  ctx.stroke();
  ctx.restore();
}

/** uPlot's dash option (in canvas pixels) for a pattern in CSS pixels; none for a solid line. */
function dashed(pattern: number[] | undefined): { dash?: number[] } {
  return pattern ? { dash: pattern.map(d => d * devicePixelRatio) } : {};
}

export function plotOptions(shape: PlotShape, on: PlotCallbacks): uPlot.Options {
  const { text, grid, xAxis } = shape;
  const lineWidth = plainWidth(shape.series);
  const axis = (label: string): uPlot.Axis => themedAxis(label, text, grid);
  return {
    width: shape.width,
    height: CHART_HEIGHT,
    scales: {
      x: { time: xAxis === 'wall' },
      y: { ...(shape.log ? { distr: 3, log: 10 } : { distr: 1 }), range: (u, min, max) => on.yRange(u, min, max) }
    },
    axes: [
      xAxis === 'step'
        ? { ...axis('step'), values: (_u, ticks) => formatTicks(ticks) }
        : xAxis === 'relative'
          ? { ...axis('time since the first point'), incrs: DURATION_STEPS, values: (_u, ticks) => ticks.map(formatDuration) }
          : axis('wall time'),
      { ...axis(''), size: 64, values: (_u, ticks) => formatTicks(ticks) }
    ],
    series: [
      { label: xAxis === 'step' ? 'step' : 'time' },
      ...shape.series.flatMap((m, i) => {
        const color = colorOf(m, i);
        const role = m.role;
        const line = {
          label: labelOf(m),
          // A run group's mean bold, its runs faint behind it, its band's edges not stroked (the band
          // is filled); a baseline dashed.
          stroke: role === 'member' ? `${color}59` : role === 'lower' || role === 'upper' ? 'transparent' : color,
          width: role === 'mean' ? 2 : role === 'member' ? 1 : role === 'baseline' ? 1.5 : role ? 0 : lineWidth,
          ...dashed(dashOf(m, i, shape.dashes)),
          show: !shape.hidden.has(toggleKey(m)),
          spanGaps: false,
          points: { show: false }
        };
        // With smoothing on, the raw series is drawn faint behind the smoothed one.
        const raw = {
          ...line,
          label: `${labelOf(m)} (raw)`,
          stroke: `${color}55`,
          width: 1,
          show: line.show && listed(m)
        };
        return smoothingOn(shape) ? [raw, line] : [line];
      })
    ],
    // uPlot finds the line nearest the cursor (within 8 px); the element highlights its run in
    // every view itself (alpha 1: uPlot fades nothing on its own).
    focus: { alpha: 1 },
    cursor: {
      focus: { prox: 8 },
      drag: { x: true, y: false, setScale: true },
      ...(shape.syncKey ? { sync: { key: shape.syncKey, setSeries: false } } : {})
    },
    // The chart's own legend replaces uPlot's, which showed "--" until hovered.
    legend: { show: false },
    bands: bands(shape.series, shape),
    hooks: {
      draw: [on.draw],
      setCursor: [on.setCursor],
      setScale: [on.setScale],
      setSeries: [(_u, line, opts) => (opts as { focus?: boolean }).focus !== undefined && on.focusLine(line ?? null)]
    }
  };
}
