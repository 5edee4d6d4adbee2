/**
 * The JupyterLab extension: registers the renderer for metrics-plotter outputs with the app's
 * rendermime registry (notebooks clone it, so every notebook opened afterwards gets it), and owns
 * the session tracker that releases plotters and watches kernels for the whole page.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { createRendererFactory } from './renderer';
import { SessionTracker } from './sessions';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'metrics-plotter:plugin',
  description: 'Shows metrics-plotter outputs (charts and videos) and ends their sessions when they go away.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    const tracker = new SessionTracker(app.serviceManager, (summary, details) => {
      Notification.error(summary, {
        autoClose: false,
        actions: [{ label: 'Show paths', caption: 'Show the paths left on disk', callback: () => void showDetails(details) }]
      });
    });
    rendermime.addFactory(createRendererFactory(tracker), 0);
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

export default plugin;
