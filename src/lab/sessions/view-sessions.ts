/**
 * What an output's panel needs of the page's session tracking, as an interface: the panel depends
 * on this, the extension passes the SessionTracker (tracker.ts), tests and the bench a typed
 * stand-in. How sessions end and views are released is in docs/architecture.md.
 */
import type { Contents } from '@jupyterlab/services';
import type { ISignal } from '@lumino/signaling';
import type { CleanupReport, KernelEvent, KernelReply, KernelRequest, PlotterPayload } from '../../protocol';
import type { WithBuffers } from './kernel-channel';

export type EndReason =
  /** plotter.close() in the kernel (the payload says so, with the kernel's cleanup report). */
  | 'closed'
  | 'restarted'
  | 'shut down'
  /** The kernel process died (killed, crashed) and JupyterLab restarted or lost it. */
  | 'died'
  /** The output is from an earlier session: its kernel is not running, or its videos are gone. */
  | 'earlier session';

/** Folder listings fetched during one check of several files (null: the folder is gone). */
export type FolderListings = Map<string, Promise<Contents.IModel | null>>;

export interface ViewHandle {
  /** The output went away: release the view unless another output of it comes back in time. */
  dispose(): void;
  /** The view's session is over already (closed, or from an earlier session): stop tracking, release nothing. */
  forget(): void;
}

/**
 * What the kernel streams to subscribed views, with the message's buffers: new points, and (for a
 * page that sees no display updates) a view's bundle.
 */
export interface LiveEvent {
  event: Extract<KernelEvent, { event: 'points' | 'bundle' }>;
  buffers: WithBuffers<unknown>['buffers'];
}

export interface ViewSessions {
  /**
   * An output of this view is on screen. `onEnd` is called once, when the kernel process behind it
   * ends. Disposing the handle (the output went away) releases the view if no other output of it
   * comes back in time.
   */
  attach(payload: PlotterPayload, onEnd: (why: EndReason) => void): ViewHandle;
  /**
   * Subscribes an output to its view's live series; the kernel's snapshot (null: no live kernel
   * answered), with the view's bundle where the page sees no display updates (Voilà's).
   */
  subscribe(payload: PlotterPayload, points: number): Promise<WithBuffers<KernelReply> | null>;
  /** An output stops drawing its view's live series. */
  unsubscribe(payload: PlotterPayload): void;
  /** A request about a view's plotter to the kernel process behind it; null when that process has ended. */
  ask(payload: PlotterPayload, request: KernelRequest): Promise<WithBuffers<KernelReply> | null>;
  /** New points and bundles of subscribed views, from every kernel. */
  readonly liveEvents: ISignal<unknown, LiveEvent>;
  /** What the kernel reported of a plotter's cleanup when its session ended there. */
  reportOf(plotterId: string): CleanupReport | undefined;
  /** Whether `relPath` (POSIX, below the server folder `dir`) exists on the Jupyter server. */
  exists(dir: string, relPath: string, listings?: FolderListings): Promise<boolean>;
}
