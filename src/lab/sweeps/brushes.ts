/**
 * Brushes on the sweep view's axes, as pure transitions: a brush keeps a range of values (a
 * numeric axis) or a set of categories, so that it keeps meaning the same runs while new runs
 * widen the axis. A run passes when its value is inside every brush; the runs that do not are
 * hidden everywhere (the panel's hidden runs).
 */
import { categoryOf, positionOf, valueAt, type SweepAxis } from './sweep-axes';

export type Brush = { lo: number; hi: number } | { categories: string[] };
/** Brushes by axis id. */
export type Brushes = ReadonlyMap<string, Brush>;

/** Positions (0 bottom, 1 top) a keyboard move or resize takes a brush by. */
export const KEY_STEP = 0.05;

/** Half the spacing of a category axis' categories: how far a category reaches either way. */
function halfSpacing(axis: SweepAxis): number {
  return axis.categories.length > 1 ? 0.5 / (axis.categories.length - 1) : 0.5;
}

/**
 * The brush a drag from one position to another makes on an axis (null: none). On a category axis
 * it takes each category within half a category's spacing of the dragged range.
 */
export function brushBetween(axis: SweepAxis, from: number, to: number): Brush | null {
  const lo = Math.max(0, Math.min(from, to));
  const hi = Math.min(1, Math.max(from, to));
  if (axis.scale === 'category') {
    const half = halfSpacing(axis);
    const categories = axis.categories.filter(c => {
      const p = positionOf(axis, c)!;
      return p >= lo - half && p <= hi + half;
    });
    return categories.length ? { categories } : null;
  }
  return { lo: valueAt(axis, lo), hi: valueAt(axis, hi) };
}

/** Where a brush is on its axis, as positions (for drawing it and moving it by keyboard). */
export function brushExtent(axis: SweepAxis, brush: Brush): { from: number; to: number } {
  if ('categories' in brush) {
    const positions = brush.categories.map(c => positionOf(axis, c)).filter((p): p is number => p !== null);
    const half = halfSpacing(axis);
    if (!positions.length) return { from: 0, to: 0 };
    return { from: Math.max(0, Math.min(...positions) - half), to: Math.min(1, Math.max(...positions) + half) };
  }
  const clamp = (v: number): number => Math.max(0, Math.min(1, positionOf(axis, v) ?? 0));
  return { from: clamp(brush.lo), to: clamp(brush.hi) };
}

/** Whether a run's value on the axis is inside the brush (a run without a value is not). */
export function passes(axis: SweepAxis, brush: Brush, run: string): boolean {
  const value = axis.values.get(run);
  if (value === undefined) return false;
  if ('categories' in brush) return brush.categories.includes(categoryOf(value));
  return typeof value === 'number' && value >= brush.lo && value <= brush.hi;
}

/** The runs that some brush leaves out (no brush: none). */
export function runsBrushedOut(runs: readonly string[], axes: readonly SweepAxis[], brushes: Brushes): Set<string> {
  const out = new Set<string>();
  for (const axis of axes) {
    const brush = brushes.get(axis.id);
    if (!brush) continue;
    for (const run of runs) if (!passes(axis, brush, run)) out.add(run);
  }
  return out;
}

/** The brushes with one axis' brush set, or removed (null). */
export function withBrush(brushes: Brushes, axisId: string, brush: Brush | null): Map<string, Brush> {
  const next = new Map(brushes);
  if (brush) next.set(axisId, brush);
  else next.delete(axisId);
  return next;
}

/**
 * A key pressed on a focused axis: an arrow with no brush brushes the top quarter; an arrow moves
 * the brush; Shift and an arrow moves its top edge (grows or shrinks it); Escape or Delete removes
 * it. undefined: the key does nothing here.
 */
export function keyedBrush(axis: SweepAxis, brush: Brush | undefined, key: string, shift: boolean): Brush | null | undefined {
  if (key === 'Escape' || key === 'Delete' || key === 'Backspace') return brush ? null : undefined;
  const dir = key === 'ArrowUp' ? 1 : key === 'ArrowDown' ? -1 : 0;
  if (!dir) return undefined;
  if (!brush) return brushBetween(axis, 0.75, 1);
  if ('categories' in brush) {
    // A category at a time: the brush's lowest and highest category move, no further than the ends.
    const at = brush.categories.map(c => axis.categories.indexOf(c)).filter(i => i >= 0);
    let low = Math.min(...at);
    let high = Math.max(...at);
    const last = axis.categories.length - 1;
    if (shift) high = Math.max(low, Math.min(last, high + dir));
    else if (low + dir >= 0 && high + dir <= last) {
      low += dir;
      high += dir;
    }
    return { categories: axis.categories.slice(low, high + 1) };
  }
  let { from, to } = brushExtent(axis, brush);
  if (shift) to = Math.max(from + KEY_STEP, Math.min(1, to + dir * KEY_STEP));
  else {
    const shift_ = dir > 0 ? Math.min(KEY_STEP, 1 - to) : -Math.min(KEY_STEP, from);
    from += shift_;
    to += shift_;
  }
  return brushBetween(axis, from, to);
}
