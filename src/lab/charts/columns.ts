/**
 * Aligned columns (uPlot's data layout: one x column, one column of y per series) made of holes and
 * numbers only, so that V8 keeps the numbers unboxed. docs/design-decisions.md, "What outlives the
 * next garbage collection is made a little at a time".
 */

/**
 * An aligned column of `length` holes, to be given numbers only: a hole reads as `undefined` (no
 * point at that x), and an array of numbers and holes keeps its numbers unboxed (V8's double
 * elements), where one holding `undefined` or null holds each number as an object of its own. At
 * 20 runs that was some 50,000 short-lived objects a chart a live update, and collecting them took
 * 27–32 ms of the longest turns (docs/design-decisions.md). Gaps (null) go in last, on a copy
 * (`withGaps`): V8 learns from the arrays an allocation site made, and once one of them held a
 * null, every later array of that site would start out generic.
 */
export function unboxedColumn(length: number): Array<number | null | undefined> {
  return new Array<number | null | undefined>(length);
}

/** Puts `v` at `j` of a column (`unboxedColumn`): a number in it, a gap in `gaps`, the last one written kept. */
export function set(column: Array<number | null | undefined>, gaps: number[], j: number, v: number | null): void {
  if (gaps.length && gaps[gaps.length - 1] === j) gaps.pop();
  if (v === null) gaps.push(j);
  else column[j] = v;
}

/** The column with null at `gaps`: itself when there are none, else a copy (see unboxedColumn). */
export function withGaps(column: Array<number | null | undefined>, gaps: readonly number[]): Array<number | null | undefined> {
  if (!gaps.length) return column;
  const out = column.slice();
  for (const j of gaps) out[j] = null;
  return out;
}
