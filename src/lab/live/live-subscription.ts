/**
 * One output's subscription to its view's live series over the extension's comm: the kernel's
 * snapshot at the output's width, then only new points (docs/protocol.md). Events that come while
 * the snapshot is on its way are applied after it.
 *
 * A one-way kernel (Deno's) cannot be asked: it pushes its points to every page, a snapshot now and
 * then and new points between. Its outputs wait for the next snapshot and draw from there; until
 * then they draw the payload.
 */
import type { PlotterPayload } from '../../protocol';
import type { LiveEvent, ViewSessions } from '../sessions/view-sessions';
import { LiveSeries } from './live-series';

type PointsEvent = Parameters<LiveSeries['apply']>;

export class LiveSubscription {
  /** The view subscribed to, until `stop`. */
  private view: PlotterPayload | null = null;
  /** The streamed series; null before the snapshot came (or without one). */
  private series: LiveSeries | null = null;
  private kernelStartedAt: number | null = null;
  private pending: PointsEvent[] | null = null;
  /** Points a series is kept at (twice this at most: LiveSeries). */
  private points = 0;

  constructor(
    private readonly sessions: ViewSessions,
    /** New points were applied (several may come within one frame). */
    private readonly onPoints: () => void,
    /** The view's bundle came (a page that sees no display updates asks for them). */
    private readonly onBundle: (bundle: Record<string, unknown>) => void = () => undefined
  ) {
    sessions.liveEvents.connect(this.received, this);
  }

  /** Whether streamed series stand in for the payload's. */
  get active(): boolean {
    return this.series !== null;
  }

  /** When the kernel's metrics started (ms since the epoch), as the stream said. */
  get startedAt(): number | null {
    return this.kernelStartedAt;
  }

  /**
   * Subscribes to `view` (`points` a series); true once its snapshot is applied, false when the
   * subscription was stopped meanwhile or the kernel does not know the plotter.
   */
  async start(view: PlotterPayload, points: number): Promise<boolean> {
    const series = new LiveSeries(points);
    this.points = points;
    this.series = null;
    this.view = view;
    // Nothing to ask of a one-way kernel: its next pushed snapshot starts the stream (received).
    if (view.kernel.oneWay) return false;
    this.pending = [];
    const answer = await this.sessions.subscribe(view, points);
    if (this.view !== view) return false;
    const pending = this.pending ?? [];
    this.pending = null;
    if (answer?.data.reply !== 'subscribe' || !answer.data.known) return false; // an older kernel side, or the plotter is gone
    series.apply(answer.data.series, answer.buffers);
    for (const event of pending) series.apply(...event);
    this.series = series;
    this.kernelStartedAt = answer.data.startedAt;
    if (answer.data.bundle) this.onBundle(answer.data.bundle);
    return true;
  }

  /** Stops drawing the stream (nothing waits on the kernel). */
  stop(): void {
    if (!this.view) return;
    if (!this.view.kernel.oneWay) this.sessions.unsubscribe(this.view);
    this.view = null;
    this.series = null;
  }

  /** The payload with the streamed series (every metric, at the output's width) in place of the saved ones. */
  draw(payload: PlotterPayload): PlotterPayload {
    if (!this.series?.size) return payload;
    return {
      ...payload,
      startedAt: payload.startedAt ?? this.kernelStartedAt ?? undefined,
      metrics: this.series.metrics(payload.metrics),
      omittedMetrics: 0
    };
  }

  dispose(): void {
    this.stop();
    this.sessions.liveEvents.disconnect(this.received, this);
  }

  private received(_: unknown, { event, buffers }: LiveEvent): void {
    const view = this.view;
    if (!view || event.plotterId !== view.plotterId || (event.viewId ?? view.viewId) !== view.viewId) return;
    if (event.event === 'bundle') {
      if (this.series) this.onBundle(event.bundle);
      return;
    }
    if (event.snapshot && view.kernel.oneWay) this.series = new LiveSeries(this.points);
    if (this.pending) {
      this.pending.push([event.series, buffers]);
      return;
    }
    if (!this.series) return;
    this.series.apply(event.series, buffers);
    this.kernelStartedAt ??= event.startedAt;
    this.onPoints();
  }
}
