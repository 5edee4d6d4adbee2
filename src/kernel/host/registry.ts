/**
 * The kernel-wide registry: the live plotters of this kernel process and the extension's pages
 * attached to it. It is the one owner of that state; how sessions end (session-end-hooks.ts) and
 * what pages ask (extension-requests.ts) act through it. See docs/architecture.md.
 *
 * The registry hangs on globalThis so that two copies of this package in one kernel share it.
 */
import * as fs from 'fs';
import {
  cleanupFailureMessage,
  type CleanupReport,
  type KernelEvent,
  type KernelReply,
  type KernelRequest,
  type ReleaseReply
} from '../../protocol';
import { serveExtension } from './extension-requests';
import { hookSessionEnds } from './session-end-hooks';
import { KernelWatchdog } from './watchdog';

/** Where, on `globalThis` of the kernel process, the registry hangs (the same in every copy of this package). */
const KERNEL_REGISTRY_KEY = 'metrics-plotter.kernel-registry.v1';

/** The kernel's end of one page's comm, as the plotter's parts use it. */
export interface PageComm {
  readonly closed: boolean;
  /** False when it could not go (the comm closed, or the process is exiting). */
  send(data: Record<string, unknown>, buffers?: ArrayBufferView[]): boolean;
}

/** A reply's data and its binary buffers. */
export interface Answer {
  data: KernelReply;
  buffers: ArrayBufferView[];
}

/** What the registry and the host need of a plotter (the object users get has none of this). */
export interface ManagedPlotter {
  readonly id: string;
  /** The folder it writes its assets into (the kernel's watchdog watches it). */
  readonly root: string;
  /** The frontend no longer shows this view; close when it was the last. */
  releaseView(viewId: string): ReleaseReply;
  /** A request about this plotter's data from a page (subscribe, unsubscribe, range). */
  answer(request: Exclude<KernelRequest, { request: 'release' }>, comm: PageComm): Answer;
  /** A page's comm closed (the page went away). */
  dropComm(comm: PageComm): void;
  /** A page that renders widget models attached: shown views open theirs. */
  widgetsRendered(): void;
  /** Synchronous end of session at process exit: stop encoders, remove assets. */
  endAtExit(): CleanupReport;
  /** An interrupt: stop running encodes and remove their partial files. */
  interruptEncodes(): void;
}

export class KernelRegistry {
  private readonly plotters = new Map<string, ManagedPlotter>();
  /** The extension's comms (one per kernel connection of a JupyterLab page). */
  private readonly pages = new Set<PageComm>();
  /** Those of pages that render widget models (ExtensionHello.widgets). */
  private readonly widgetPages = new Set<PageComm>();
  /** What removes the plotters' files should this process be killed (watchdog.ts). */
  private watchdog: KernelWatchdog | null = null;

  /** Whether a page that renders the plotter's widget models is attached. */
  get rendersWidgets(): boolean {
    return this.widgetPages.size > 0;
  }

  add(plotter: ManagedPlotter): void {
    this.plotters.set(plotter.id, plotter);
    this.watchdog ??= KernelWatchdog.start();
    this.watchdog.watch(plotter.root);
  }

  /** The kernel's watchdog (started with its first plotter), for tests. */
  get watchdogPid(): number | undefined {
    return this.watchdog?.pid;
  }

  plotter(id: string): ManagedPlotter | undefined {
    return this.plotters.get(id);
  }

  /** A plotter's session ended: it leaves the registry, and every page of the extension hears how. */
  ended(plotter: ManagedPlotter, report: CleanupReport): void {
    this.plotters.delete(plotter.id);
    this.tell({ event: 'ended', plotterId: plotter.id, report });
  }

  /** A page attached its comm. */
  pageAttached(comm: PageComm, rendersWidgets: boolean): void {
    this.pages.add(comm);
    if (!rendersWidgets) return;
    this.widgetPages.add(comm);
    for (const plotter of this.plotters.values()) plotter.widgetsRendered();
  }

  /** A page's comm closed. */
  pageDetached(comm: PageComm): void {
    this.pages.delete(comm);
    this.widgetPages.delete(comm);
    for (const plotter of this.plotters.values()) plotter.dropComm(comm);
  }

  /** Every page hears the event; at process exit the sockets may be closing, and nothing more is owed. */
  private tell(event: KernelEvent): void {
    for (const comm of this.pages) comm.send(event as unknown as Record<string, unknown>);
  }

  /** Runs at process exit; writes failures to the real stderr (no cell is left to show them). */
  endAll(): void {
    for (const plotter of [...this.plotters.values()]) {
      let report: CleanupReport;
      try {
        report = plotter.endAtExit();
      } catch (err) {
        report = { ok: false, removed: [], failures: [{ path: '(unknown)', reason: String(err) }] };
      }
      if (!report.ok) {
        // fd 2 directly: tslab points process.stderr.write at a socket that is closed by now.
        try {
          fs.writeSync(2, cleanupFailureMessage(report.failures) + '\n');
        } catch {
          /* nowhere left to report */
        }
      }
    }
  }

  interruptEncodes(): void {
    for (const plotter of this.plotters.values()) plotter.interruptEncodes();
  }
}

/** This kernel process's registry; the first call serves the extension and hooks every session end. */
export function kernelRegistry(): KernelRegistry {
  const key = Symbol.for(KERNEL_REGISTRY_KEY);
  const holder = globalThis as unknown as Record<symbol, KernelRegistry | undefined>;
  let registry = holder[key];
  if (!registry) {
    registry = holder[key] = new KernelRegistry();
    serveExtension(registry);
    hookSessionEnds(registry);
  }
  return registry;
}
