/**
 * Where an output's baselines are kept: the metadata of the notebook it is in. An output asks for
 * its notebook's store by an event from its element (BASELINES_REQUEST_EVENT, bubbling); the plugin
 * answers with the store of the document in the shell's main area that holds the element, so that
 * an output knows no notebook until it is in one, and an output outside any (Voilà, an output
 * opened in a view of its own) has no baselines. Every output of one notebook shares its store, and
 * hears of every change to it: a pin from another output, another user, an undo.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ISignal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';
import { NOTEBOOK_METADATA_KEY, readNotebookBaselines, type NotebookBaselines } from './baselines';

/** Sent (bubbling) by an output's element once it is on the page, with a BaselinesRequest. */
export const BASELINES_REQUEST_EVENT = 'mp-baselines-request';

/** A notebook's baselines: read them, write them, hear of changes. */
export interface BaselineStore {
  read(): NotebookBaselines;
  write(next: NotebookBaselines): void;
  /** Calls `listener` after every change of the notebook's metadata; returns how to stop. */
  listen(listener: () => void): () => void;
}

export interface BaselinesRequest {
  provide(store: BaselineStore): void;
}

export function baselinesRequest(provide: (store: BaselineStore) => void): CustomEvent<BaselinesRequest> {
  return new CustomEvent(BASELINES_REQUEST_EVENT, { detail: { provide }, bubbles: true, composed: true });
}

/** The part of JupyterLab's notebook model (INotebookModel, 4.0 on) a store needs. */
interface NotebookMetadata {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  readonly metadataChanged: ISignal<unknown, unknown>;
}

/** The notebook model of a document widget, read by shape: a notebook is all that has this metadata API. */
function notebookMetadataOf(widget: Widget): NotebookMetadata | null {
  const model = (widget as { context?: { model?: Partial<NotebookMetadata> } }).context?.model;
  return model && typeof model.getMetadata === 'function' && typeof model.setMetadata === 'function' && model.metadataChanged
    ? (model as NotebookMetadata)
    : null;
}

export function metadataStore(model: NotebookMetadata): BaselineStore {
  return {
    read: () => readNotebookBaselines(model.getMetadata(NOTEBOOK_METADATA_KEY)),
    write: next => model.setMetadata(NOTEBOOK_METADATA_KEY, next),
    listen: listener => {
      const slot = (): void => listener();
      model.metadataChanged.connect(slot);
      return () => model.metadataChanged.disconnect(slot);
    }
  };
}

/** Answers every output's request with the store of the notebook that holds it. */
export function serveNotebookBaselines(shell: JupyterFrontEnd.IShell): void {
  const stores = new WeakMap<NotebookMetadata, BaselineStore>();
  document.addEventListener(BASELINES_REQUEST_EVENT, event => {
    const target = event.target as Node;
    for (const widget of shell.widgets('main')) {
      if (!widget.node.contains(target)) continue;
      const model = notebookMetadataOf(widget);
      if (!model) return;
      let store = stores.get(model);
      if (!store) stores.set(model, (store = metadataStore(model)));
      (event as CustomEvent<BaselinesRequest>).detail.provide(store);
      return;
    }
  });
}
