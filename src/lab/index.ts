/**
 * The JupyterLab extension: registers the renderer for metrics-plotter outputs with the app's
 * rendermime registry (notebooks clone it, so every notebook opened afterwards gets it), and owns
 * the session tracker that releases plotters and watches kernels for the whole page.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { createRendererFactory } from './renderer';
import { SessionTracker } from './sessions';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'metrics-plotter:plugin',
  description: 'Shows metrics-plotter outputs (charts and videos) and ends their sessions when they go away.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    const tracker = new SessionTracker(app.serviceManager, message => {
      Notification.error(message, { autoClose: false });
    });
    rendermime.addFactory(createRendererFactory(tracker), 0);
  }
};

export default plugin;
