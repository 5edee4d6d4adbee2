/**
 * Each shown view is a Jupyter widget model on the `jupyter.widget` comm target (ipywidgets'
 * message protocol 2.1), in a real tslab kernel over the wire, once a page that renders widget
 * models is attached: opened before its display, which names it; its state is the display's
 * payload; a reloaded page gets the whole state on request; it closes when the session ends, after
 * the final display. Without such a page no model is opened, and a frontend closing one leaves the
 * plotter working.
 */
import {
  PLOTTER_MIME_TYPE,
  WIDGET_COMM_TARGET,
  WIDGET_MODULE,
  WIDGET_MODULE_VERSION,
  WIDGET_VIEW_MIME_TYPE,
  type PlotterPayload
} from '../../src/protocol';
import { kernelSessions, plotterDisplays } from '../support/kernel-sessions';
import type { Output, KernelProcess } from '../support/kernel-process';

jest.setTimeout(120_000);

const sessions = kernelSessions('shutdown');

/** A kernel with metrics-plotter loaded and a page that renders widget models attached. */
async function startKernel(name: string): Promise<KernelProcess> {
  const k = await sessions.startKernel(sessions.notebookDir(name));
  await k.run('import { MetricsPlotter } from "metrics-plotter";');
  await k.openExtensionComm({ widgets: true, settled: true });
  return k;
}

const isWidgetOpen = (o: Output) => o.msg_type === 'comm_open' && o.content.target_name === WIDGET_COMM_TARGET;
const displays = plotterDisplays;

test('show() opens a widget model before its display; the display names it; the state is the payload, per protocol 2.1', async () => {
  const k = await startKernel('widget-open');
  const r = await k.run(`
const p = new MetricsPlotter({ title: "widget" });
for (let i = 0; i < 5; i++) p.addScalar("loss", 1 / (i + 1), i);
p.show();`);
  const open = r.outputs.find(isWidgetOpen)!;
  const [display] = displays(r.outputs);
  expect(open).toBeDefined();
  expect(r.outputs.indexOf(open)).toBeLessThan(r.outputs.indexOf(display));
  expect(open.metadata).toEqual({ version: '2.1.0' });
  const { state, buffer_paths } = open.content.data;
  expect(buffer_paths).toEqual([]);
  expect(state).toMatchObject({
    _model_module: WIDGET_MODULE,
    _model_module_version: `^${WIDGET_MODULE_VERSION}`,
    _model_name: 'PlotterModel',
    _view_module: WIDGET_MODULE,
    _view_module_version: `^${WIDGET_MODULE_VERSION}`,
    _view_name: 'PlotterView'
  });
  expect(state.payload).toEqual(display.content.data[PLOTTER_MIME_TYPE]);
  expect(display.content.data[WIDGET_VIEW_MIME_TYPE]).toEqual({
    model_id: open.content.comm_id,
    version_major: 2,
    version_minor: 1
  });
  // comm_info_request lists it, as ipywidgets' manager asks when a page attaches to a live kernel.
  const info = await k.request('shell', 'comm_info_request', { target_name: WIDGET_COMM_TARGET });
  expect(Object.keys(info.content.comms)).toEqual([open.content.comm_id]);
});

test('every display update sends the model the same payload; request_state gets the whole state', async () => {
  const k = await startKernel('widget-state');
  const r = await k.run(`
const p = new MetricsPlotter({ title: "state", liveUpdateMs: 50 });
p.show();
for (let i = 0; i < 10; i++) { p.addScalar("loss", i, i); await new Promise(res => setTimeout(res, 20)); }`);
  const commId = r.outputs.find(isWidgetOpen)!.content.comm_id;
  const updates = r.outputs.filter(o => o.msg_type === 'comm_msg' && o.content.comm_id === commId);
  expect(updates.length).toBeGreaterThan(0);
  const last = updates[updates.length - 1].content.data;
  expect(last.method).toBe('update');
  // Each state update is sent with a display update, and carries the same payload.
  const lastDisplay = displays(r.outputs).pop()!.content.data[PLOTTER_MIME_TYPE] as PlotterPayload;
  expect(last.state.payload).toEqual(lastDisplay);

  const sent = await k.sendShell('comm_msg', { comm_id: commId, data: { method: 'request_state' } });
  const answer = await k.waitForIopub(o => o.msg_type === 'comm_msg' && o.parentMsgId === sent);
  expect(answer.content.data.method).toBe('update');
  expect(answer.content.data.state._model_name).toBe('PlotterModel');
  expect((answer.content.data.state.payload as PlotterPayload).metrics[0].steps).toHaveLength(10);
});

test('without a page that renders widgets no model is opened; one attaching later opens the models of the views already shown', async () => {
  const k = await sessions.startKernel(sessions.notebookDir('widget-late-page'));
  // The cell that loads the package shows the plotter; no page has said what it renders yet.
  const r = await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const p = new MetricsPlotter({ title: "late" });
p.addScalar("loss", 1, 0);
p.show();`);
  const [display] = displays(r.outputs);
  expect(display.content.data[WIDGET_VIEW_MIME_TYPE]).toBeUndefined();
  expect(k.allIopub.some(isWidgetOpen)).toBe(false);
  // A page with jupyterlab_widgets attaches (it opens the extension's comm on seeing the output):
  // the view's model opens; the display is left as it is (a notebook saved meanwhile stays clean)
  // and names the model from its next update on.
  await k.openExtensionComm({ widgets: true, settled: true });
  const open = await k.waitForIopub(isWidgetOpen);
  expect(open.content.data.state.payload.plotterId).toBe(display.content.data[PLOTTER_MIME_TYPE].plotterId);
  expect(k.allIopub.filter(o => o.msg_type === 'update_display_data')).toEqual([]);
  const next = await k.run('p.addScalar("loss", 0.5, 1); p.close();');
  const final = displays(next.outputs).pop()!;
  expect(final.content.transient.display_id).toBe(display.content.transient.display_id);
  expect(next.outputs.some(o => o.msg_type === 'comm_close' && o.content.comm_id === open.content.comm_id)).toBe(true);
});

test('close(): the final display no longer names the model; the model gets the final payload, then closes', async () => {
  const k = await startKernel('widget-close');
  const shown = await k.run('const p = new MetricsPlotter({ title: "close" }); p.addScalar("loss", 1, 0); p.show();');
  const modelId = shown.outputs.find(isWidgetOpen)!.content.comm_id;
  const r = await k.run('p.close();');
  const final = displays(r.outputs).pop()!;
  const closeMsg = r.outputs.find(o => o.msg_type === 'comm_close' && o.content.comm_id === modelId)!;
  expect(final.content.data[PLOTTER_MIME_TYPE].state).toBe('closed');
  expect(final.content.data[WIDGET_VIEW_MIME_TYPE]).toBeUndefined();
  expect(closeMsg).toBeDefined();
  expect(r.outputs.indexOf(final)).toBeLessThan(r.outputs.indexOf(closeMsg));
  // The model hears the end too (a page reloaded since gets no display updates for outputs it loaded).
  const lastState = r.outputs.filter(o => o.msg_type === 'comm_msg' && o.content.comm_id === modelId).pop()!;
  expect(lastState.content.data.state.payload).toEqual(final.content.data[PLOTTER_MIME_TYPE]);
  expect(r.outputs.indexOf(lastState)).toBeLessThan(r.outputs.indexOf(closeMsg));
  const info = await k.request('shell', 'comm_info_request', { target_name: WIDGET_COMM_TARGET });
  expect(info.content.comms).toEqual({});
});

test('a frontend that closes the model (it has no widget target) leaves the plotter working; its displays no longer name it', async () => {
  const k = await startKernel('widget-plain-lab');
  const shown = await k.run('const p = new MetricsPlotter({ title: "plain", liveUpdateMs: 10 }); p.show();');
  const modelId = shown.outputs.find(isWidgetOpen)!.content.comm_id;
  // What JupyterLab's kernel connection does with a comm_open for a target it does not know.
  await k.sendShell('comm_close', { comm_id: modelId, data: {} });
  const r = await k.run('p.addScalar("loss", 2, 1); await new Promise(res => setTimeout(res, 50)); p.addScalar("loss", 3, 2);');
  const later = displays(r.outputs);
  expect(later.length).toBeGreaterThan(0);
  for (const d of later) expect(d.content.data[WIDGET_VIEW_MIME_TYPE]).toBeUndefined();
  expect(r.outputs.some(o => o.msg_type === 'comm_msg' && o.content.comm_id === modelId)).toBe(false);
  expect((later.pop()!.content.data[PLOTTER_MIME_TYPE] as PlotterPayload).state).toBe('live');
});

test('releasing the last view (the output went away) closes its model', async () => {
  const k = await startKernel('widget-release');
  const shown = await k.run('const p = new MetricsPlotter({ title: "release" }); p.show();');
  const modelId = shown.outputs.find(isWidgetOpen)!.content.comm_id;
  const payload = displays(shown.outputs)[0].content.data[PLOTTER_MIME_TYPE] as PlotterPayload;
  const reply = await k.releaseView(payload.plotterId, payload.viewId);
  expect(reply.outcome).toBe('closed');
  await k.waitForIopub(o => o.msg_type === 'comm_close' && o.content.comm_id === modelId);
});
