/**
 * One plotter output in a notebook, whichever way it is drawn. A live display bundle carries both
 * the payload (our MIME type) and a reference to the view's widget model
 * (`application/vnd.jupyter.widget-view+json`); a saved one may carry both too. This renderer is
 * registered ahead of jupyterlab_widgets' (whose renderer would show "Error displaying widget:
 * model not found" for a model that is gone) and decides:
 *
 *   the model is open in this page  ->  the widget's view (widget.ts), fed by the model's state
 *   otherwise                       ->  the panel (renderer.ts), fed by the display's payload:
 *                                       a saved notebook, plain JupyterLab, a model not open yet
 *
 * It switches when the model opens (the widget of a plotter shown in the cell that loaded the
 * package opens a moment after its output) and when it closes (the session ended). The panel or
 * the widget's panel owns the view's release; the tracker waits a moment before releasing a view
 * whose output went away, so a switch never releases anything.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { DOMWidgetView } from '@jupyter-widgets/base';
import { MimeModel } from '@jupyterlab/rendermime';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import { Panel, type Widget } from '@lumino/widgets';
import { PLOTTER_MIME_TYPE, PLOTTER_MIME_TYPE_V1, widgetModelId } from '../protocol';
import { PlotterRenderer } from './renderer';
import type { SessionTracker } from './sessions';
import type { LiveWidgetModels, PlotterViewOptions } from './widget';

export const OUTPUT_CLASS = 'jp-MetricsPlotter-output';

export class PlotterOutput extends Panel implements IRenderMime.IRenderer {
  private latest: IRenderMime.IMimeModel | null = null;
  private panel: PlotterRenderer | null = null;
  /** The widget view shown, and the model it shows. */
  private hosted: { modelId: string; widget: Widget } | null = null;
  /** The model a view is being created for. */
  private hosting: string | null = null;

  constructor(
    private readonly options: IRenderMime.IRendererOptions,
    private readonly tracker: SessionTracker,
    private readonly liveModels: LiveWidgetModels | null
  ) {
    super();
    this.addClass(OUTPUT_CLASS);
    liveModels?.modelOpened.connect(this.onModelOpened, this);
  }

  /** How this output is drawn now (for tests and the e2e checks). */
  get drawnBy(): 'widget' | 'panel' | 'nothing' {
    return this.hosted ? 'widget' : this.panel ? 'panel' : 'nothing';
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.latest = model;
    const modelId = widgetModelId(model.data);
    // The widget draws from its model's state, sent with every display update: nothing to do here.
    if (modelId && (this.hosted?.modelId === modelId || this.hosting === modelId)) return;
    if (modelId && this.liveModels?.get(modelId)) return this.showWidget(modelId);
    await this.showPanel();
  }

  private onModelOpened(_: unknown, modelId: string): void {
    if (this.latest && widgetModelId(this.latest.data) === modelId && !this.hosted && this.hosting !== modelId) {
      void this.showWidget(modelId);
    }
  }

  private async showWidget(modelId: string): Promise<void> {
    const model = this.liveModels?.get(modelId);
    if (!model) return this.showPanel();
    this.hosting = modelId;
    let view: DOMWidgetView;
    try {
      const options: PlotterViewOptions = { rendererOptions: this.options };
      view = (await model.widget_manager.create_view(model, options)) as DOMWidgetView;
    } catch (err) {
      console.error('metrics-plotter: could not show the widget view; drawing from the output instead', err);
      if (this.hosting === modelId) this.hosting = null;
      return this.showPanel();
    }
    if (this.hosting !== modelId || this.isDisposed) {
      view.remove(); // the output moved on meanwhile
      return;
    }
    this.hosting = null;
    this.dropWidget();
    const widget = view.luminoWidget;
    this.hosted = { modelId, widget };
    this.addWidget(widget);
    // The model closed (the session ended, the kernel went): the display's payload takes over. If
    // the display still names the model, it is older than the model's last state (a page reloaded
    // since gets no display updates for outputs it loaded from the notebook): that state it is.
    widget.disposed.connect(() => {
      if (this.hosted?.widget !== widget) return;
      this.hosted = null;
      const last = model.get('payload') as ReadonlyJSONObject | null;
      if (last && this.latest && widgetModelId(this.latest.data) === modelId) {
        this.latest = new MimeModel({ data: { [PLOTTER_MIME_TYPE]: last } });
      }
      if (!this.isDisposed) void this.showPanel();
    });
    this.panel?.dispose();
    this.panel = null;
  }

  private async showPanel(): Promise<void> {
    if (!this.latest) return;
    this.hosting = null;
    if (!this.panel) {
      this.panel = new PlotterRenderer(this.options, this.tracker);
      this.addWidget(this.panel);
    }
    const rendering = this.panel.renderModel(this.latest);
    this.dropWidget();
    await rendering;
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

/** The factory JupyterLab's rendermime registry uses for our MIME types. */
export function createOutputFactory(tracker: SessionTracker, widgets: LiveWidgetModels | null): IRenderMime.IRendererFactory {
  return {
    safe: true, // the payload is plain JSON drawn by our own code: shown in untrusted notebooks too
    mimeTypes: [PLOTTER_MIME_TYPE, PLOTTER_MIME_TYPE_V1],
    defaultRank: OUTPUT_RANK,
    createRenderer: options => new PlotterOutput(options, tracker, widgets)
  };
}

/**
 * Ahead of jupyterlab_widgets' renderer of widget views (rank -10): a bundle with both is ours.
 * Lower ranks win in JupyterLab's rendermime registry.
 */
export const OUTPUT_RANK = -20;
