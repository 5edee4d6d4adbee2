/**
 * A shown view as a Jupyter widget model: the kernel's end of one `jupyter.widget` comm, per
 * ipywidgets' message protocol 2.1 (ipywidgets' packages/schema/messages.md).
 *
 *   kernel                                         JupyterLab (jupyterlab_widgets + our module)
 *   comm_open {state, buffer_paths}  ─────────>    PlotterModel (src/lab/widget.ts)
 *   comm_msg  {method: update, state: {payload}} ─> the view redraws
 *   comm_msg  {method: update, full state}  <───── {method: request_state} (a page reloaded)
 *   comm_close  (the session ended)  ─────────>    the model and its views close
 *
 * The model's state is the display's payload, sent whenever the display is; the display bundle
 * names the model (`WIDGET_VIEW_MIME_TYPE`) while the comm is open. A JupyterLab without
 * jupyterlab_widgets has no `jupyter.widget` target and closes the comm at once; the display's own
 * payload then carries on alone, as it does in a saved notebook.
 */
import {
  WIDGET_COMM_TARGET,
  WIDGET_PROTOCOL_VERSION,
  widgetState,
  type PlotterPayload,
  type WidgetViewReference
} from '../../protocol';
import { tslabComms, type Comm } from './tslab-comms';

export class ViewWidget {
  private constructor(
    private readonly comm: Comm,
    current: () => PlotterPayload
  ) {
    comm.onMsg(data => {
      // A frontend that attaches to a live kernel (a reloaded page) asks for the whole state, as it is now.
      if (data.method === 'request_state') this.sendState(widgetState(current()));
      // `update` from a view: the model has no state a view may change; `custom`: none defined.
    });
  }

  /** Opens the model of a view showing `payload` now and `current()` later; null outside a tslab kernel. */
  static open(payload: PlotterPayload, current: () => PlotterPayload): ViewWidget | null {
    const comms = tslabComms();
    if (!comms) return null;
    const comm = comms.open(WIDGET_COMM_TARGET, { state: widgetState(payload), buffer_paths: [] }, [], {
      version: WIDGET_PROTOCOL_VERSION
    });
    return new ViewWidget(comm, current);
  }

  /** What a display bundle carries to name this model; null once the comm is closed. */
  get reference(): WidgetViewReference | null {
    return this.comm.closed ? null : { model_id: this.comm.id, version_major: 2, version_minor: 1 };
  }

  /** The view's payload changed (sent with every display update). */
  update(payload: PlotterPayload): void {
    this.sendState({ payload });
  }

  /** The kernel process is going: frontends drop the model with the kernel. */
  drop(): void {
    this.comm.drop();
  }

  /** The session ended: the model closes, and with it its views in every page. */
  close(): void {
    this.comm.close();
  }

  private sendState(state: object): void {
    this.comm.send({ method: 'update', state, buffer_paths: [] });
  }
}
