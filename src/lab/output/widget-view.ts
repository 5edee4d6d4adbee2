/**
 * The plotter as a Jupyter widget: the `metrics-plotter` module JupyterLab's widget manager
 * (jupyterlab_widgets) loads for the models the kernel opens on `jupyter.widget` (see
 * src/kernel/host/view-widget.ts). A model's state is its view's payload; the view draws it with the
 * same panel (panel.ts) as an output without a widget, which also streams the live detail and releases
 * the view when it goes away.
 *
 * Which of the two draws an output is the output's choice (output.ts): the widget while its model
 * is open in this page, the display's own payload otherwise (saved notebooks, plain JupyterLab).
 * LiveWidgetModels is how it knows: every PlotterModel of this page, by model id, while open.
 */
import { DOMWidgetModel, DOMWidgetView } from '@jupyter-widgets/base';
import type { ObjectHash } from 'backbone';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MimeModel } from '@jupyterlab/rendermime';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import { Signal, type ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import { PLOTTER_MIME_TYPE, WIDGET_MODULE, WIDGET_MODULE_VERSION, type PlotterPayload } from '../../protocol';
import type { ViewSessions } from '../sessions/view-sessions';
import { PlotterPanel } from './panel';

/** The open plotter models of this page, by model id. */
export class LiveWidgetModels {
  private readonly models = new Map<string, DOMWidgetModel>();
  private readonly opened = new Signal<this, string>(this);

  /** A model opened (its id): an output naming it may now show it. */
  get modelOpened(): ISignal<this, string> {
    return this.opened;
  }

  get(modelId: string): DOMWidgetModel | undefined {
    return this.models.get(modelId);
  }

  /** The open model of a plotter's view (a display shown before the page attached does not name it yet). */
  forView(plotterId: string, viewId: string): DOMWidgetModel | undefined {
    for (const model of this.models.values()) {
      const payload = model.get('payload') as PlotterPayload | null;
      if (payload?.plotterId === plotterId && payload.viewId === viewId) return model;
    }
    return undefined;
  }

  /** @internal */
  add(model: DOMWidgetModel): void {
    this.models.set(model.model_id, model);
    this.opened.emit(model.model_id);
  }

  /** @internal */
  remove(model: DOMWidgetModel): void {
    if (this.models.get(model.model_id) === model) this.models.delete(model.model_id);
  }
}

/** A view whose panel has drawn its payload once `drawn` resolves (media looked up on the server). */
export interface DrawnView {
  drawn: Promise<void>;
}

/** What an output passes to the views it creates (create_view's options). */
export interface PlotterWidgetViewOptions {
  /** The output's renderer options: the notebook's resolver finds the media files. */
  rendererOptions?: IRenderMime.IRendererOptions;
  /** The HTML part of the output's latest display: the model's state has no stills, the display does. */
  latestHtml?: () => unknown;
}

/** The model and view classes of the `metrics-plotter` widget module, bound to this page's session tracking. */
export function plotterWidgetModule(
  sessions: ViewSessions,
  live: LiveWidgetModels
): { PlotterModel: typeof DOMWidgetModel; PlotterView: typeof DOMWidgetView } {
  class PlotterModel extends DOMWidgetModel {
    defaults(): ObjectHash {
      return {
        ...super.defaults(),
        _model_name: 'PlotterModel',
        _model_module: WIDGET_MODULE,
        _model_module_version: WIDGET_MODULE_VERSION,
        _view_name: 'PlotterView',
        _view_module: WIDGET_MODULE,
        _view_module_version: WIDGET_MODULE_VERSION,
        payload: null
      };
    }

    initialize(attributes: ObjectHash, options: Parameters<DOMWidgetModel['initialize']>[1]): void {
      super.initialize(attributes, options);
      live.add(this);
      this.once('destroy', () => live.remove(this));
    }
  }

  class PlotterWidgetView extends DOMWidgetView implements DrawnView {
    private panel: PlotterPanel | null = null;
    drawn: Promise<void> = Promise.resolve();

    render(): void {
      this.el.classList.add('jp-MetricsPlotter-widget');
      const given = (this.options as PlotterWidgetViewOptions | undefined)?.rendererOptions;
      const options: IRenderMime.IRendererOptions = given
        ? { ...given, mimeType: PLOTTER_MIME_TYPE }
        : // A view not made by one of our outputs: no notebook folder to find media in.
          ({ mimeType: PLOTTER_MIME_TYPE, resolver: null } as unknown as IRenderMime.IRendererOptions);
      this.panel = new PlotterPanel(options, sessions);
      this.listenTo(this.model, 'change:payload', this.draw);
      this.draw();
    }

    private draw(): void {
      const payload = this.model.get('payload') as PlotterPayload | null;
      if (!payload || !this.panel) return;
      const html = (this.options as PlotterWidgetViewOptions | undefined)?.latestHtml?.();
      this.drawn = this.panel.renderModel(
        new MimeModel({
          data: {
            [PLOTTER_MIME_TYPE]: payload as unknown as ReadonlyJSONObject,
            ...(typeof html === 'string' ? { 'text/html': html } : {})
          }
        })
      );
    }

    processLuminoMessage(msg: Message): void {
      super.processLuminoMessage(msg);
      // The panel is a Lumino widget of its own, attached inside this view's node while that is on
      // the page (Lumino detaches only what is still in the document).
      if (!this.panel) return;
      if (msg.type === 'after-attach' && !this.panel.isAttached) Widget.attach(this.panel, this.el);
      if (msg.type === 'before-detach' && this.panel.isAttached) Widget.detach(this.panel);
    }

    remove(): this {
      this.panel?.dispose();
      this.panel = null;
      return super.remove();
    }
  }

  // The module exports the view under the name the kernel's widget state gives it (src/protocol).
  return { PlotterModel, PlotterView: PlotterWidgetView };
}
