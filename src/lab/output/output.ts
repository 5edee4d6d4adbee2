/**
 * One plotter output in a notebook, whichever way it is drawn: the widget view while the view's
 * model is open in this page, the panel drawn from the display's payload otherwise, switching in
 * place both ways (docs/architecture.md, "How an output is drawn"; why: docs/design-decisions.md,
 * "One output, two renderers"). A switch releases nothing: the session tracker waits a moment before
 * releasing a view whose output went away.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { DOMWidgetModel, DOMWidgetView } from '@jupyter-widgets/base';
import { MimeModel } from '@jupyterlab/rendermime';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import { Panel, type Widget } from '@lumino/widgets';
import { PLOTTER_MIME_TYPE, PLOTTER_MIME_TYPE_V1, readPayload, widgetModelId } from '../../protocol';
import type { ViewSessions } from '../sessions/view-sessions';
import { waitingDraws } from '../charts/draw-queue';
import { PlotterPanel } from './panel';
import type { DrawnView, LiveWidgetModels, PlotterWidgetViewOptions } from './widget-view';

export const OUTPUT_CLASS = 'jp-MetricsPlotter-output';
/**
 * What the output will show next, laid out at the output's width but unseen until its charts have
 * drawn (a chart measures its width once on the page): the output never shows an empty frame between
 * the panel and the widget, either way.
 */
const STAGED_CLASS = 'jp-MetricsPlotter-staged';
/** Frames a staged view is given to draw its charts, at most (about a second). */
const STAGED_FRAMES = 60;

export class PlotterOutput extends Panel implements IRenderMime.IRenderer {
  private latest: IRenderMime.IMimeModel | null = null;
  private panel: PlotterPanel | null = null;
  /** The widget view shown, and the model it shows. */
  private hosted: { modelId: string; widget: Widget } | null = null;
  /** The model a view is being created for. */
  private hosting: string | null = null;

  constructor(
    private readonly options: IRenderMime.IRendererOptions,
    private readonly sessions: ViewSessions,
    private readonly liveModels: LiveWidgetModels | null
  ) {
    super();
    this.addClass(OUTPUT_CLASS);
    liveModels?.modelOpened.connect(this.onModelOpened, this);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.latest = model;
    const widgetModel = this.modelFor(model.data);
    const id = widgetModel?.model_id;
    // The widget draws from its model's state, sent with every display update; a final display
    // (the session ended) means its model closes next: the panel is staged behind it now.
    if (id && (this.hosted?.modelId === id || this.hosting === id)) {
      if (this.hosted && readPayload(model.data[PLOTTER_MIME_TYPE])?.state === 'closed') await this.showPanel();
      return;
    }
    if (widgetModel) return this.showWidget(widgetModel);
    await this.showPanel();
  }

  /** The open widget model of this output's view: the one the display names, or (not named yet) the view's. */
  private modelFor(data: IRenderMime.IMimeModel['data']): DOMWidgetModel | undefined {
    if (!this.liveModels) return undefined;
    const named = widgetModelId(data);
    if (named) return this.liveModels.get(named);
    const payload = readPayload(data[PLOTTER_MIME_TYPE]);
    return payload ? this.liveModels.forView(payload.plotterId, payload.viewId) : undefined;
  }

  private onModelOpened(_: unknown, modelId: string): void {
    if (!this.latest || this.hosted || this.hosting === modelId) return;
    const model = this.modelFor(this.latest.data);
    if (model?.model_id === modelId) void this.showWidget(model);
  }

  private async showWidget(model: DOMWidgetModel): Promise<void> {
    const modelId = model.model_id;
    this.hosting = modelId;
    let view: DOMWidgetView;
    try {
      const options: PlotterWidgetViewOptions = {
        rendererOptions: this.options,
        latestHtml: () => this.latest?.data['text/html']
      };
      view = (await model.widget_manager.create_view(model, options)) as DOMWidgetView;
    } catch (err) {
      console.error('metrics-plotter: could not show the widget view; drawing from the output instead', err);
      if (this.hosting === modelId) this.hosting = null;
      return this.showPanel();
    }
    // What the output shows now stays until the widget's view has drawn, charts and all.
    await (view as unknown as Partial<DrawnView>).drawn?.catch(() => undefined);
    const widget = view.luminoWidget;
    if (this.hosting === modelId && !this.isDisposed) {
      widget.addClass(STAGED_CLASS);
      this.addWidget(widget);
      await chartsDrawn();
    }
    if (this.hosting !== modelId || this.isDisposed) {
      view.remove(); // the output moved on meanwhile
      return;
    }
    widget.removeClass(STAGED_CLASS);
    this.hosting = null;
    this.dropWidget();
    this.hosted = { modelId, widget };
    // The model closed (the session ended, the kernel went): the display's payload takes over,
    // unless it is older than the model's last state: a display still live or naming the model
    // (a page reloaded since gets no display updates for outputs it loaded from the notebook).
    widget.disposed.connect(() => {
      if (this.hosted?.widget !== widget) return;
      this.hosted = null;
      const last = model.get('payload') as ReadonlyJSONObject | null;
      const latest = this.latest;
      if (
        last &&
        latest &&
        (widgetModelId(latest.data) === modelId || readPayload(latest.data[PLOTTER_MIME_TYPE])?.state !== 'closed')
      ) {
        // The display's HTML part stays (the panel reads its stills): only its payload is older than the model's.
        const html = latest.data['text/html'];
        this.latest = new MimeModel({ data: { [PLOTTER_MIME_TYPE]: last, ...(html ? { 'text/html': html } : {}) } });
      }
      if (!this.isDisposed) void this.showPanel();
    });
    this.panel?.dispose();
    this.panel = null;
  }

  private async showPanel(): Promise<void> {
    if (!this.latest || this.isDisposed) return;
    this.hosting = null;
    let panel = this.panel;
    if (!panel) {
      panel = this.panel = new PlotterPanel(this.options, this.sessions);
      // Staged while a widget still shows the output.
      if (this.hosted) panel.addClass(STAGED_CLASS);
      this.addWidget(panel);
    }
    await panel.renderModel(this.latest);
    if (panel.hasClass(STAGED_CLASS)) await chartsDrawn();
    if (this.panel !== panel || this.isDisposed) return;
    this.dropWidget();
    panel.removeClass(STAGED_CLASS);
  }

  private dropWidget(): void {
    const hosted = this.hosted;
    this.hosted = null;
    hosted?.widget.dispose();
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.liveModels?.modelOpened.disconnect(this.onModelOpened, this);
    this.hosted = null;
    this.hosting = null;
    super.dispose();
  }
}

/** Resolves once the charts waiting to draw have drawn (two frames at least: a chart made now queues its draw in the next). */
async function chartsDrawn(): Promise<void> {
  if (typeof requestAnimationFrame === 'undefined') return; // jsdom: charts draw at once
  for (let frames = 0; frames < STAGED_FRAMES && (frames < 2 || waitingDraws() > 0); frames++)
    await new Promise(resolve => requestAnimationFrame(resolve));
}

/** The factory of our outputs; `withSessions` makes outputs over other sessions (the bench passes a stand-in). */
export interface PlotterOutputFactory extends IRenderMime.IRendererFactory {
  withSessions(sessions: ViewSessions): IRenderMime.IRendererFactory;
}

/** The factory JupyterLab's rendermime registry uses for our MIME types. */
export function createOutputFactory(sessions: ViewSessions, widgets: LiveWidgetModels | null): PlotterOutputFactory {
  return {
    safe: true, // the payload is plain JSON drawn by our own code: shown in untrusted notebooks too
    mimeTypes: [PLOTTER_MIME_TYPE, PLOTTER_MIME_TYPE_V1],
    defaultRank: OUTPUT_RANK,
    createRenderer: options => new PlotterOutput(options, sessions, widgets),
    withSessions: other => createOutputFactory(other, widgets)
  };
}

/**
 * Ahead of jupyterlab_widgets' renderer of widget views (rank -10): a bundle with both is ours.
 * Lower ranks win in JupyterLab's rendermime registry.
 */
export const OUTPUT_RANK = -20;
