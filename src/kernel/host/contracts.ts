/**
 * What the host and a plotter need of each other (docs/architecture.md, "The host"): the registry
 * reaches a plotter only through ManagedPlotter, and a page's requests reach the registry only
 * through RequestRouter. Contracts only: no state, no wiring.
 */
import type { CleanupReport, KernelReply, KernelRequest, ReleaseReply } from '../../protocol';
import type { PageComm } from './page-comm';
import type { HeldView } from './view-leases';

/** A reply's data and its binary buffers. */
export interface Answer {
  data: KernelReply;
  buffers: ArrayBufferView[];
}

/** A page's request about one plotter's data, which the plotter answers itself. */
export type PlotterRequest = Exclude<KernelRequest, { request: 'release' | 'hold' | 'leave' }>;

/** What the registry and the host need of a plotter (the object users get has none of this). */
export interface ManagedPlotter {
  readonly id: string;
  /** The folder it writes its assets into (the kernel's watchdog watches it). */
  readonly root: string;
  /** The frontend no longer shows this view; close when it was the last. */
  releaseView(viewId: string): ReleaseReply;
  /**
   * Whether a page shows the plotter: every page that held one of its views went away without
   * releasing it (false), or one holds a view again (true). Unwatched, it keeps no files.
   */
  setWatched(watched: boolean): void;
  /** A request about this plotter's data from a page (subscribe, unsubscribe, range, media, keep). */
  answer(request: PlotterRequest, comm: PageComm): Answer;
  /** A page's comm closed (the page went away). */
  dropComm(comm: PageComm): void;
  /** A page that renders widget models attached: shown views open theirs. */
  widgetsRendered(): void;
  /** Synchronous end of session at process exit: stop encoders, remove assets. */
  endAtExit(): CleanupReport;
  /** An interrupt: stop running encodes and remove their partial files. */
  interruptEncodes(): void;
}

/** What answering a page's requests needs of the registry (extension-requests.ts). */
export interface RequestRouter {
  /** A page shows a view; whether the plotter is open here, and how often the page renews its hold. */
  hold(page: PageComm, view: HeldView): { known: boolean; renewMs: number };
  /** A page is going away: its hold on the view ends soon unless renewed. */
  leave(page: PageComm, view: HeldView): void;
  /** A page no longer shows a view. */
  release(page: PageComm, view: HeldView): ReleaseReply;
  /** The plotter of that id, while it is open in this process. */
  plotter(id: string): ManagedPlotter | undefined;
  /** A page attached its comm (`rendersWidgets`: it renders widget models). */
  pageAttached(comm: PageComm, rendersWidgets: boolean): void;
  /** A page's comm closed. */
  pageDetached(comm: PageComm): void;
}

/** What the session-end hooks (session-end-hooks.ts) need of the registry. */
export interface SessionEnds {
  /** Every plotter's session ends now, synchronously (process exit, a shutdown or restart request). */
  endAll(): void;
  /** An interrupt: running encodes stop. */
  interruptEncodes(): void;
}
