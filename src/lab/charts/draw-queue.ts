/**
 * Charts redrawn for a live update take turns, as many a frame as fit in its budget. A canvas'
 * lines are rasterized when the frame is committed, on the main thread where the canvas is not
 * GPU-backed, so four charts of 20 runs redrawn in one task were one long task of about 100 ms
 * (docs/design-decisions.md, "Live updates at scale"). A turn runs in a task of its own just after
 * an animation frame, so that shaping the data and recording the lines is one task and their
 * raster, in the next frame, another. A chart queued again before its turn keeps its place and
 * draws its latest data once. Without requestAnimationFrame (jsdom), a draw runs at once.
 */

/**
 * What one frame draws, in points of 1 px lines (a wider line costs more, see `lineCost`): 20
 * lines of 2,400 points took about 25 ms to rasterize in headless Chromium on 2 cores.
 */
export const FRAME_BUDGET = 48_000;

/** What drawing `points` points of a line `width` px wide costs against FRAME_BUDGET. */
export function lineCost(points: number, width: number): number {
  // Measured alongside the budget: 1.5 px lines took 3.5 times as long as 1 px ones.
  return width > 1 ? 3.5 * points : points;
}

interface Waiting {
  cost: number;
  draw: () => void;
}

const waiting = new Map<object, Waiting>();
let frameRequested = false;

function drawTurn(): void {
  frameRequested = false;
  let spent = 0;
  for (const [chart, { cost, draw }] of waiting) {
    if (spent > 0 && spent + cost > FRAME_BUDGET) break;
    waiting.delete(chart);
    spent += cost;
    draw();
  }
  if (waiting.size) request();
}

/** Posts a turn as a task of its own (a message, which no browser delays as it may a timer). */
const postTurn: () => void = (() => {
  if (typeof MessageChannel === 'undefined') return () => setTimeout(drawTurn, 0);
  const channel = new MessageChannel();
  channel.port1.onmessage = () => drawTurn();
  return () => channel.port2.postMessage(null);
})();

function request(): void {
  if (frameRequested) return;
  frameRequested = true;
  // Drawn in the animation frame itself, a turn's raster was added to the same task.
  requestAnimationFrame(postTurn);
}

/** Draws `draw` for `chart` in a coming turn, after the charts queued before it. */
export function queueDraw(chart: object, cost: number, draw: () => void): void {
  if (typeof requestAnimationFrame === 'undefined') {
    draw();
    return;
  }
  waiting.set(chart, { cost, draw });
  request();
}

/** Charts waiting for their turn (tests wait until none is). */
export function waitingDraws(): number {
  return waiting.size;
}

/** Forgets a chart's queued draw (it draws now, or is gone). */
export function cancelDraw(chart: object): void {
  waiting.delete(chart);
}
