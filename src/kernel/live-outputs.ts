/**
 * The outputs ("views") one plotter shows in the notebook, kept up to date while training runs.
 * Each show() makes a view: a tslab display sent once, then updated in place. Updates are
 * throttled to liveUpdateMs, and to nine times what the last update cost, so that live updates
 * never take more than about a tenth of the training loop's time at any data size. The timer is
 * unref'd so it never keeps a finishing kernel alive.
 */
import { KernelDisplay } from './tslab-bridge';

/** Live updates wait 9× as long as the last one took to build and send: at most 10% of the loop's time. */
const UPDATE_COST_SHARE_INVERSE = 9;

export class LiveOutputs {
  private readonly views = new Map<string, KernelDisplay>();
  private readonly released = new Set<string>();
  private nextView = 0;
  private lastUpdate = 0;
  private gapMs: number;
  private timer: NodeJS.Timeout | null = null;
  private held = 0;

  constructor(
    /** The MIME bundle of one view, as it is now. */
    private readonly bundle: (viewId: string) => Record<string, unknown>,
    private readonly liveUpdateMs: number
  ) {
    this.gapMs = liveUpdateMs;
  }

  /** Shows a new view; false when there is no notebook to show it in (a plain Node script). */
  show(): boolean {
    const viewId = `v${this.nextView++}`;
    const display = new KernelDisplay();
    if (!display.send(this.bundle(viewId))) return false;
    this.views.set(viewId, display);
    this.lastUpdate = Date.now();
    return true;
  }

  /** The frontend no longer shows a view. True when no view of this plotter is shown any more. */
  release(viewId: string): boolean {
    if (this.views.has(viewId)) this.released.add(viewId);
    return ![...this.views.keys()].some(v => !this.released.has(v));
  }

  /** Something changed: update the shown views now (`now`) or when the throttle allows. */
  changed(now = false): void {
    if (this.views.size === 0 || this.timer || this.held > 0) return;
    const wait = this.lastUpdate + this.gapMs - Date.now();
    if (now || wait <= 0) {
      this.send();
    } else {
      this.timer = setTimeout(() => this.send(), wait);
      this.timer.unref();
    }
  }

  /** Batches the changes of `work` (a bulk add) into one update. */
  batch(work: () => void): void {
    this.held++;
    try {
      work();
    } finally {
      this.held--;
    }
    this.changed();
  }

  private send(): void {
    this.stopTimer();
    const started = Date.now();
    for (const [viewId, display] of this.views) if (!this.released.has(viewId)) display.send(this.bundle(viewId));
    this.lastUpdate = Date.now();
    this.gapMs = Math.max(this.liveUpdateMs, UPDATE_COST_SHARE_INVERSE * (this.lastUpdate - started));
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The session ended: the views still shown get their final state, if a cell can carry it. */
  end(): void {
    this.stopTimer();
    for (const [viewId, display] of this.views) {
      if (this.released.has(viewId)) continue;
      try {
        display.send(this.bundle(viewId));
      } catch {
        /* no cell is running ("Not ready"): the frontend learns of the end from the kernel's status */
      }
    }
  }

  /** The session ended with no cell to tell (process exit): only stop updating. */
  stop(): void {
    this.stopTimer();
  }
}
