/**
 * One Jupyter widget model per shown view, on the `jupyter.widget` target (ipywidgets' message
 * protocol 2.1): its state is the display's payload. docs/protocol.md, "The widget".
 */
import type { PlotterPayload } from './payload';

/** The MIME type of a Jupyter widget's view reference (ipywidgets' `application/vnd.jupyter.widget-view+json`). */
export const WIDGET_VIEW_MIME_TYPE = 'application/vnd.jupyter.widget-view+json';
/** The comm target of Jupyter widget models, and the message protocol version its comm_open carries. */
export const WIDGET_COMM_TARGET = 'jupyter.widget';
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
/** The widget module the extension registers with JupyterLab's widget manager: this package and its version. */
export const WIDGET_MODULE = 'metrics-plotter';
export const WIDGET_MODULE_VERSION = '0.1.0';

/** The view reference a display bundle carries while the view's widget model is open. */
export interface WidgetViewReference {
  model_id: string;
  version_major: 2;
  version_minor: 1;
}

/** A plotter view's widget model state (every key of it is sent on open and on request_state). */
export interface PlotterWidgetState {
  _model_module: typeof WIDGET_MODULE;
  _model_module_version: string;
  _model_name: 'PlotterModel';
  _view_module: typeof WIDGET_MODULE;
  _view_module_version: string;
  _view_name: 'PlotterView';
  _view_count: null;
  _dom_classes: string[];
  tabbable: null;
  tooltip: null;
  /** What the view draws: the display's payload, updated with it. */
  payload: PlotterPayload;
}

export function widgetState(payload: PlotterPayload): PlotterWidgetState {
  const version = `^${WIDGET_MODULE_VERSION}`;
  return {
    _model_module: WIDGET_MODULE,
    _model_module_version: version,
    _model_name: 'PlotterModel',
    _view_module: WIDGET_MODULE,
    _view_module_version: version,
    _view_name: 'PlotterView',
    _view_count: null,
    _dom_classes: [],
    tabbable: null,
    tooltip: null,
    payload
  };
}

/** The model id a display bundle's widget view reference names, if any. */
export function widgetModelId(bundle: Record<string, unknown>): string | null {
  const ref = bundle[WIDGET_VIEW_MIME_TYPE] as Partial<WidgetViewReference> | undefined;
  return ref && typeof ref.model_id === 'string' && ref.model_id ? ref.model_id : null;
}
