/**
 * The axes of the sweep view: one per config key whose value differs between runs, one per
 * metric summary. An axis is linear, logarithmic (positive numbers spread more evenly in log
 * than in linear space over at least a decade: learning rates, step sizes) or categorical
 * (strings, booleans, mixed); a run's value has a position on it from 0 (bottom) to 1 (top).
 */
import { formatConfigValue, formatTicks, niceTicks } from '../../protocol/format';

export type AxisValue = number | string | boolean;
export type AxisScale = 'linear' | 'log' | 'category';

export interface SweepAxis {
  /** "config:lr", "metric:return": the axis' brush is kept under it. */
  id: string;
  label: string;
  scale: AxisScale;
  /** Numeric axes: the range of the values. */
  min: number;
  max: number;
  /** Category axes: the values as text, bottom to top. */
  categories: string[];
  /** Each run's value on this axis, by run name; runs without one are absent. */
  values: ReadonlyMap<string, AxisValue>;
}

export interface AxisTick {
  position: number;
  label: string;
}

/** The axis of these values: its scale chosen by what they are. */
export function axisOf(id: string, label: string, values: ReadonlyMap<string, AxisValue>): SweepAxis {
  const all = [...values.values()];
  const numeric = all.length > 0 && all.every(v => typeof v === 'number' && Number.isFinite(v));
  if (!numeric) {
    const categories = [...new Set(all.map(categoryOf))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return { id, label, scale: 'category', min: 0, max: 0, categories, values };
  }
  const numbers = all as number[];
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  return { id, label, scale: logSpread(numbers) ? 'log' : 'linear', min, max, categories: [], values };
}

/** How a value reads on a category axis. */
export function categoryOf(v: AxisValue): string {
  return formatConfigValue(v);
}

/**
 * Positive values over at least a decade whose distinct values leave smaller gaps in log space
 * than in linear space: 1e-4, 3e-4, 1e-3 are a log axis; 1, 50, 100 are not.
 */
export function logSpread(values: readonly number[]): boolean {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length < 3 || distinct[0] <= 0) return false;
  const lo = distinct[0];
  const hi = distinct[distinct.length - 1];
  if (hi / lo < 10) return false;
  const largestGap = (f: (v: number) => number): number => {
    let gap = 0;
    for (let i = 1; i < distinct.length; i++) gap = Math.max(gap, (f(distinct[i]) - f(distinct[i - 1])) / (f(hi) - f(lo)));
    return gap;
  };
  return largestGap(Math.log) < largestGap(v => v);
}

/** Where a value is on the axis (0 bottom, 1 top); null where the run has none or it is not on it. */
export function positionOf(axis: SweepAxis, value: AxisValue | undefined): number | null {
  if (value === undefined) return null;
  if (axis.scale === 'category') {
    const i = axis.categories.indexOf(categoryOf(value));
    if (i < 0) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.scale === 'log') return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

/** The numeric value at a position of a numeric axis. */
export function valueAt(axis: SweepAxis, position: number): number {
  // The ends exactly: a brush to the top takes the largest value, whatever the rounding.
  if (axis.max === axis.min || position <= 0) return axis.min;
  if (position >= 1) return axis.max;
  if (axis.scale === 'log') return Math.exp(Math.log(axis.min) + position * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + position * (axis.max - axis.min);
}

/**
 * The labelled ticks of an axis: every category (thinned to about `most`), or round numbers
 * (1, 2, 5 × a power of ten; on a log axis the powers of ten, and 2× and 5× when there are few),
 * the axis' ends included.
 */
export function ticksOf(axis: SweepAxis, most = 6): AxisTick[] {
  if (axis.scale === 'category') {
    const every = Math.ceil(axis.categories.length / most);
    return axis.categories
      .map((label, i) => ({ label, position: positionOf(axis, label)!, i }))
      .filter(t => t.i % every === 0 || t.i === axis.categories.length - 1)
      .map(({ label, position }) => ({ label, position }));
  }
  if (axis.max === axis.min) return [{ position: 0.5, label: formatTicks([axis.min])[0] }];
  let values: number[];
  if (axis.scale === 'log') {
    const powers: number[] = [];
    for (let e = Math.floor(Math.log10(axis.min)); e <= Math.ceil(Math.log10(axis.max)); e++) powers.push(Number(`1e${e}`)); // exactly 1e-4, where 10 ** -4 is not
    values = powers.filter(inRange(axis));
    if (values.length < 3)
      values = powers.flatMap(p => [p, Number((2 * p).toPrecision(1)), Number((5 * p).toPrecision(1))]).filter(inRange(axis));
  } else {
    values = niceTicks(axis.min, axis.max, most - 1);
    // Whole numbers (seeds, layer counts, batch sizes) are ticked at whole numbers.
    if ([...axis.values.values()].every(v => Number.isInteger(v))) values = values.filter(v => Number.isInteger(v));
  }
  // The ends are ticks of their own unless a round tick is close to them.
  const ends = [axis.min, axis.max].filter(e => !values.some(v => Math.abs(positionOf(axis, v)! - positionOf(axis, e)!) < 0.08));
  const all = [...new Set([...values, ...ends])].sort((a, b) => a - b);
  // A log axis spans magnitudes: each tick reads best on its own ("1e-4", "0.01"), not in one format.
  const labels = axis.scale === 'log' ? all.map(v => formatTicks([v])[0]) : formatTicks(all);
  return all.map((v, i) => ({ position: positionOf(axis, v)!, label: labels[i] }));
}

function inRange(axis: SweepAxis): (v: number) => boolean {
  return v => v >= axis.min * (1 - 1e-9) && v <= axis.max * (1 + 1e-9);
}
