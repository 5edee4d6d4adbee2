/**
 * The outputs ("views") one plotter shows in the notebook, kept up to date while training runs.
 * Each show() makes a view: a display sent once, then updated in place. Updates are
 * throttled to liveUpdateMs, and to nine times what the last update cost, so that live updates
 * never take more than about a tenth of the training loop's time at any data size. Timers are
 * unref'd so they never keep a finishing kernel alive.
 *
 * A view that a JupyterLab page streams over the comm (live-stream.ts) gets its new points there on
 * every update; its display (what the notebook saves) is then refreshed only every
 * SAVED_REFRESH_MS, and once more after the last change — and at once when the media change,
 * which only the display carries.
 *
 * Each view is also a Jupyter widget model (host/view-widget.ts) whose state is sent with its display;
 * the display names the model while the session is live, and the model closes when it ends.
 */
import { PLOTTER_MIME_TYPE, PUSHED_SETTLE_MS, WIDGET_VIEW_MIME_TYPE, type PlotterPayload } from '../../protocol';
import { KernelDisplay } from '../host/notebook';
import { ViewWidget } from '../host/view-widget';

/** How often the display of a streamed view is refreshed: the saved notebook's copy, not what the page draws. */
export const SAVED_REFRESH_MS = 5000;

export interface StreamHooks {
  /** Whether a page gets this view's points over the comm. */
  streams(viewId: string): boolean;
  /** Sends every streaming page the new points. */
  push(): void;
  /** The points stopped for PUSHED_SETTLE_MS: a pushed stream gets its settling snapshot. */
  settle(): void;
  /** Whether a pushed stream waits for its settling snapshot. */
  unsettled(): boolean;
  /** A view's display is being updated with `bundle` (pages that see no display updates get it). */
  displayed(viewId: string, bundle: Record<string, unknown>): void;
}

/** Live updates wait 9× as long as the last one took to build and send: at most 10% of the loop's time. */
const UPDATE_COST_SHARE_INVERSE = 9;

/**
 * How a session ends, for its outputs: `shown` (close() in a cell: the outputs show the end),
 * `released` (the page let go of the last output: nothing to show), `exiting` (a shutdown or restart
 * request, or the process exiting: frontends drop the kernel's comms themselves).
 */
export type SessionEnd = 'shown' | 'released' | 'exiting';

/** One show(): its output in the notebook and its widget model. */
class ShownView {
  private readonly display = new KernelDisplay();
  private widget: ViewWidget | null = null;
  /** A model was opened once (it may have been closed since: a page without widgets, the session's end). */
  private widgetOpened = false;

  /** `bundle()`: the view's bundle as it is now. */
  constructor(private readonly bundle: () => Record<string, unknown>) {}

  /** Sends the first display (with its widget model if `widgets`); false when there is no notebook to show it in. */
  show(widgets: boolean): boolean {
    const first = this.bundle();
    if (widgets) this.openWidget(first);
    if (this.display.send(this.withReference(first))) return true;
    this.widget?.close();
    this.widget = null;
    return false;
  }

  /**
   * A page that renders widgets attached after the view was shown: open its model. The display
   * names it from its next update on (pages find the model by its payload's view meanwhile); not
   * sending one now leaves a notebook saved since unchanged.
   */
  lateWidget(): void {
    if (this.widgetOpened) return;
    this.openWidget(this.bundle());
  }

  private openWidget(bundle: Record<string, unknown>): void {
    const payloadNow = (): PlotterPayload => this.bundle()[PLOTTER_MIME_TYPE] as PlotterPayload;
    this.widget = ViewWidget.open(bundle[PLOTTER_MIME_TYPE] as PlotterPayload, payloadNow);
    this.widgetOpened = true;
  }

  /** Sends the display and the model's state as they are now. */
  update(bundle: Record<string, unknown>): void {
    this.display.send(this.withReference(bundle));
    this.widget?.update(bundle[PLOTTER_MIME_TYPE] as PlotterPayload);
  }

  /**
   * The session ended (see SessionEnd): the display and the model get the final bundle when a cell
   * can carry it (the display's no longer names the model), and then the model closes. In that
   * order, a page swaps the closing widget for the final payload, never for an earlier one — also a
   * page reloaded since, whose outputs came from the saved notebook and get no display updates.
   */
  end(how: SessionEnd, finalBundle: () => Record<string, unknown>): void {
    const widget = this.widget;
    this.widget = null;
    if (how === 'exiting') return widget?.drop();
    try {
      if (how === 'shown') {
        const bundle = finalBundle();
        this.display.send(bundle);
        widget?.update(bundle[PLOTTER_MIME_TYPE] as PlotterPayload);
      }
    } finally {
      widget?.close();
    }
  }

  private withReference(bundle: Record<string, unknown>): Record<string, unknown> {
    const reference = this.widget?.reference;
    return reference ? { ...bundle, [WIDGET_VIEW_MIME_TYPE]: reference } : bundle;
  }
}

export class LiveOutputs {
  private readonly views = new Map<string, ShownView>();
  private readonly released = new Set<string>();
  private nextView = 0;
  private lastUpdate = 0;
  private gapMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** When each view's display was last sent. */
  private readonly displayedAt = new Map<string, number>();
  /** The refresh of displays skipped while streamed, after the last change. */
  private trailing: NodeJS.Timeout | null = null;
  /** Media changed since the last update: every display goes out with the next one. */
  private mediaChanged = false;
  /** The pushed stream's settling snapshot, PUSHED_SETTLE_MS after the last update. */
  private settling: NodeJS.Timeout | null = null;

  constructor(
    /** The MIME bundle of one view, as it is now. */
    private readonly bundle: (viewId: string) => Record<string, unknown>,
    private readonly liveUpdateMs: number,
    private readonly stream: StreamHooks = {
      streams: () => false,
      push: () => undefined,
      settle: () => undefined,
      unsettled: () => false,
      displayed: () => undefined
    },
    /** Whether a page that renders the views' widget models is attached to this kernel. */
    private readonly widgets: () => boolean = () => false
  ) {
    this.gapMs = liveUpdateMs;
  }

  /** Shows a new view; false when there is no notebook to show it in (a plain Node script). */
  show(): boolean {
    const viewId = `v${this.nextView++}`;
    const view = new ShownView(() => this.bundle(viewId));
    if (!view.show(this.widgets())) return false;
    this.views.set(viewId, view);
    this.lastUpdate = Date.now();
    this.displayedAt.set(viewId, this.lastUpdate);
    return true;
  }

  /** A page that renders widget models attached: every view still shown opens its model. */
  openWidgets(): void {
    for (const [viewId, view] of this.views) {
      if (this.released.has(viewId)) continue;
      try {
        view.lateWidget();
      } catch {
        /* no cell has run since the kernel started ("Not ready"): the view cannot be updated */
      }
    }
  }

  /** The frontend no longer shows a view. True when no view of this plotter is shown any more. */
  release(viewId: string): boolean {
    if (this.views.has(viewId)) this.released.add(viewId);
    return ![...this.views.keys()].some(v => !this.released.has(v));
  }

  /**
   * Something changed: update the shown views when the throttle allows. `media`: the media changed,
   * which only the display carries (the comm streams points): update now, streamed views included.
   */
  changed(media = false): void {
    if (media) this.mediaChanged = true;
    if (this.views.size === 0 || this.timer) return;
    const wait = this.lastUpdate + this.gapMs - Date.now();
    if (media || wait <= 0) {
      this.send();
    } else {
      this.timer = setTimeout(() => this.send(), wait);
      this.timer.unref();
    }
  }

  private send(): void {
    this.stopTimer();
    const started = Date.now();
    const everyDisplay = this.mediaChanged;
    this.mediaChanged = false;
    this.stream.push();
    this.settleLater();
    let waitMs = Infinity;
    for (const [viewId, view] of this.views) {
      if (this.released.has(viewId)) continue;
      const due = (this.displayedAt.get(viewId) ?? 0) + SAVED_REFRESH_MS - started;
      if (!everyDisplay && this.stream.streams(viewId) && due > 0) {
        waitMs = Math.min(waitMs, due);
        continue;
      }
      this.update(viewId, view);
      this.displayedAt.set(viewId, Date.now());
    }
    if (waitMs < Infinity && !this.trailing) {
      this.trailing = setTimeout(() => {
        this.trailing = null;
        this.refreshDisplays();
      }, waitMs);
      this.trailing.unref();
    }
    this.lastUpdate = Date.now();
    this.gapMs = Math.max(this.liveUpdateMs, UPDATE_COST_SHARE_INVERSE * (this.lastUpdate - started));
  }

  /** Sends a view's display as it is now. */
  private update(viewId: string, view: ShownView): void {
    view.update(this.displayedBundle(viewId));
  }

  /** A view's bundle as it is now, for its display: the pages that see no display updates get it too. */
  private displayedBundle(viewId: string): Record<string, unknown> {
    const bundle = this.bundle(viewId);
    this.stream.displayed(viewId, bundle);
    return bundle;
  }

  /** The trailing refresh: every display that changed since it was last sent. */
  private refreshDisplays(): void {
    const now = Date.now();
    for (const [viewId, view] of this.views) {
      if (this.released.has(viewId) || (this.displayedAt.get(viewId) ?? 0) >= this.lastUpdate) continue;
      try {
        this.update(viewId, view);
        this.displayedAt.set(viewId, now);
      } catch {
        /* no cell has run since the kernel started ("Not ready"): nothing to refresh */
      }
    }
  }

  /** (Re)arms the settling snapshot: it goes once no update came for PUSHED_SETTLE_MS. */
  private settleLater(): void {
    if (this.settling) clearTimeout(this.settling);
    this.settling = null;
    if (!this.stream.unsettled()) return;
    this.settling = setTimeout(() => {
      this.settling = null;
      this.stream.settle();
    }, PUSHED_SETTLE_MS);
    this.settling.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The session ended: the views still shown get their final state if `how` allows, and every widget model closes. */
  end(how: SessionEnd): void {
    this.stop();
    for (const [viewId, view] of this.views) {
      try {
        view.end(this.released.has(viewId) && how === 'shown' ? 'released' : how, () => this.displayedBundle(viewId));
      } catch {
        /* no cell is running ("Not ready"): the frontend learns of the end from the kernel's status */
      }
    }
  }

  /** No more updates (the session is ending). */
  stop(): void {
    this.stopTimer();
    this.stopTrailing();
    if (this.settling) clearTimeout(this.settling);
    this.settling = null;
  }

  private stopTrailing(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }
}
