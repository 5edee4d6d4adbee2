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
import { PlotterPanel } from './panel';
import type { DrawnView, LiveWidgetModels, PlotterWidgetViewOptions } from './widget-view';

export const OUTPUT_CLASS = 'jp-MetricsPlotter-output';

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
    // The widget draws from its model's state, sent with every display update: nothing to do here.
    if (id && (this.hosted?.modelId === id || this.hosting === id)) return;
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
    // The panel the output shows now stays until the widget's has drawn: no blank output between.
    await (view as unknown as Partial<DrawnView>).drawn?.catch(() => undefined);
    if (this.hosting !== modelId || this.isDisposed) {
      view.remove(); // the output moved on meanwhile
      return;
    }
    this.hosting = null;
    this.dropWidget();
    const widget = view.luminoWidget;
    this.hosted = { modelId, widget };
    this.addWidget(widget);
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
      // Drawn out of sight while a widget still shows the output: no blank output between the two.
      if (this.hosted) panel.hide();
      this.addWidget(panel);
    }
    await panel.renderModel(this.latest);
    if (this.panel !== panel || this.isDisposed) return;
    this.dropWidget();
    panel.show();
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
