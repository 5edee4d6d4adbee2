/**
 * The JupyterLab extension: registers the renderer for metrics-plotter outputs with the app's
 * rendermime registry (notebooks clone it, so every notebook opened afterwards gets it), registers
 * the `metrics-plotter` widget module with JupyterLab's widget manager where jupyterlab_widgets is
 * installed, owns the session tracker that releases plotters and watches kernels for the whole
 * page, and answers each output with the baselines of the notebook it is in.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import { KernelAPI } from '@jupyterlab/services';
import { WIDGET_MODULE, WIDGET_MODULE_VERSION } from '../protocol';
import { createOutputFactory } from './output/output';
import { SessionTracker, type PlotterServices } from './sessions/tracker';
import { LiveWidgetModels, plotterWidgetModule } from './output/widget-view';
import { serveNotebookBaselines } from './baselines/notebook-store';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'metrics-plotter:plugin',
  description: 'Shows metrics-plotter outputs (charts and videos) and ends their sessions when they go away.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [IJupyterWidgetRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, widgetRegistry: IJupyterWidgetRegistry | null) => {
    const notify = (summary: string, details: string): void => {
      Notification.error(summary, {
        autoClose: false,
        actions: [{ label: 'Show paths', caption: 'Show the paths left on disk', callback: () => void showDetails(details) }]
      });
    };
    const voila = app.name === 'Voila';
    // Kernels open widget models only for pages that say they render them. Without jupyterlab_widgets
    // the outputs draw from their own payload. Voilà renders each output once, as its cell finished,
    // and never updates it in place: its outputs get their bundles over the extension's comm instead
    // (and its widget manager is not offered the models).
    const tracker = new SessionTracker(
      pageServices(app, voila),
      notify,
      undefined,
      { widgets: widgetRegistry !== null && !voila, binary: true },
      !voila
    );
    // A page that goes away holds its views no longer (a lease the tracker renews while it lives).
    // Voilà's page is the only one of its kernel, which it never comes back to (a reload starts
    // another), and Voilà's own kernel shutdown on unload is refused for want of an _xsrf cookie
    // (voila-dashboards/voila#1458): it releases its views outright.
    window.addEventListener('pagehide', event => tracker.leaving(voila && !event.persisted));
    window.addEventListener('pageshow', event => event.persisted && tracker.renewHolds());
    let widgets: LiveWidgetModels | null = null;
    if (widgetRegistry && !voila) {
      widgets = new LiveWidgetModels();
      widgetRegistry.registerWidget({
        name: WIDGET_MODULE,
        version: WIDGET_MODULE_VERSION,
        exports: plotterWidgetModule(tracker, widgets)
      });
    }
    const factory = createOutputFactory(tracker, widgets);
    rendermime.addFactory(factory, factory.defaultRank);
    // Outputs keep their baselines in the notebook they are in.
    serveNotebookBaselines(app.shell);
  }
};

/** The full cleanup-failure text, every path selectable for copying. */
function showDetails(details: string): Promise<unknown> {
  const body = new Widget();
  body.addClass('jp-MetricsPlotter-details');
  const pre = document.createElement('pre');
  pre.textContent = details;
  body.node.appendChild(pre);
  return showDialog({ title: 'metrics-plotter: cleanup failed', body, buttons: [Dialog.okButton({ label: 'Close' })] });
}

/**
 * The server's services as the session tracking uses them. Voilà's page never polls the list of
 * running kernels, so its kernels are found by id.
 */
function pageServices(app: JupyterFrontEnd, voila: boolean): PlotterServices {
  const services = app.serviceManager;
  if (!voila) return services;
  return {
    kernels: services.kernels,
    contents: services.contents,
    kernelById: async id => (await KernelAPI.getKernelModel(id, services.serverSettings)) ?? null
  };
}

export default plugin;
