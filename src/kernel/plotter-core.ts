/**
 * Everything a plotter is, behind the objects users get (plotter.ts): it composes the owners of
 * its state — points (MetricsStore), runs (Runs), media and files (MediaLibrary), shown views
 * (LiveOutputs), what each page was sent (LiveStream) — and is the only thing that ends them.
 * Every change of points, runs or media reaches the outputs through the owner's change callback.
 * The host reaches it as a ManagedPlotter (host/contracts.ts). docs/architecture.md.
 */
import {
  cleanupFailureMessage,
  PIN_REQUESTS_SENT,
  runLabel,
  type CleanupReport,
  type MediaEntry,
  type PinRequest,
  type PlotterPayload,
  type ReleaseReply
} from '../protocol';
import { sweepOrphans } from './files/sweep';
import { AssetsOwner } from './files/owner';
import type { Answer, ManagedPlotter, PlotterRequest } from './host/contracts';
import { kernelRegistry } from './host/kernel-registry';
import { KernelDisplay, inNotebook, pushedPointsChannel } from './host/notebook';
import type { PageComm } from './host/page-comm';
import { writeToServerLog } from './host/server-log';
import { InputError } from './input';
import { EncodePool } from './media/encode-pool';
import { keepEntry } from './media/keep';
import { MediaLibrary } from './media/library';
import { HistogramStore } from './metrics/histograms';
import { MetricsStore } from './metrics/store';
import type { PlotterSettings } from './options';
import { LiveOutputs, type SessionEnd } from './outputs/live-outputs';
import { LiveStream } from './outputs/live-stream';
import type { ListedWatch } from './runs/logdir-watch';
import { answerPlotterRequest } from './outputs/page-requests';
import { displayBundle, plotterPayload, summaryOf, type PlotterParts } from './outputs/payload';
import type { SummaryInput } from './outputs/summary';
import { Runs } from './runs/runs';

/**
 * Told once the queue of encodes grows past four turns' worth, and again each time it doubles: a
 * loop that logs rollouts faster than the machine encodes them keeps every waiting rollout's frames.
 */
function warnOfBacklog(waiting: number, maxEncodes: number): void {
  const first = 4 * maxEncodes;
  if (waiting < first || !Number.isInteger(Math.log2(waiting / first))) return;
  console.error(
    `metrics-plotter: ${waiting} videos are waiting to be encoded (${maxEncodes} at a time: the plotter's maxEncodes). ` +
      'Each keeps its frames in memory until its turn: log rollouts less often, await addVideoFromFrames, ' +
      'or raise maxEncodes on a machine with cores to spare.'
  );
}

export class PlotterCore implements ManagedPlotter, PlotterParts {
  readonly id: string;
  readonly title: string;
  readonly maxPoints: number;
  readonly metrics: MetricsStore;
  readonly histograms: HistogramStore;
  readonly runs: Runs;
  readonly media: MediaLibrary;
  readonly outputs: LiveOutputs;
  /** Live detail for the extension's views over its comm. */
  readonly stream: LiveStream;
  private readonly assets: AssetsOwner;
  /** What stops when the session ends besides the owners above (the log directories it watches). */
  private readonly stops = new Set<() => void>();
  /** The log directories it watches or watched (each watch adds itself), as its outputs list them. */
  readonly watches = new Set<ListedWatch>();
  finalReport: CleanupReport | null = null;
  /** `pin()` calls, oldest first: the latest PIN_REQUESTS_SENT, for the outputs to pin in their notebook. */
  readonly pinRequests: PinRequest[] = [];
  private pinCount = 0;

  constructor(settings: PlotterSettings) {
    this.title = settings.title;
    this.maxPoints = settings.maxPoints;
    // Points and runs changes update the outputs within the throttle; media changes at once.
    // Histograms hold at most an eighth of the memory bound; the points get the rest.
    this.histograms = new HistogramStore(settings.memoryBoundBytes / 8, () => this.outputs.changed());
    this.metrics = new MetricsStore(
      Date.now,
      settings.memoryBoundBytes,
      () => this.outputs.changed(),
      () => this.histograms.bytes
    );
    this.runs = new Runs(() => this.outputs.changed());
    this.assets = new AssetsOwner(settings.root);
    this.id = this.assets.id;
    const { maxEncodes } = settings;
    this.media = new MediaLibrary(
      this.assets,
      settings.keepLast,
      () => this.outputs.changed(true),
      new EncodePool(maxEncodes, waiting => warnOfBacklog(waiting, maxEncodes)),
      () => (inNotebook() ? new KernelDisplay() : null)
    );
    this.stream = new LiveStream(this.metrics);
    // No page can subscribe to a one-way kernel: every view's points go to every page.
    const pushed = pushedPointsChannel();
    if (pushed) this.stream.pushTo(pushed);
    this.outputs = new LiveOutputs(
      viewId => this.bundle(viewId),
      settings.liveUpdateMs,
      {
        streams: viewId => this.stream.streams(viewId),
        push: () => this.stream.push(this.id),
        settle: () => this.stream.settle(this.id),
        unsettled: () => this.stream.unsettled(),
        displayed: (viewId, bundle) => this.stream.displayed(this.id, viewId, bundle)
      },
      () => kernelRegistry().rendersWidgets
    );
  }

  /**
   * A new plotter in the folder `settings.root`: plotters of killed kernels (SIGKILL, crash) ran no
   * hook, so their files are removed first; then the kernel's registry takes it.
   */
  static open(settings: PlotterSettings): PlotterCore {
    const core = new PlotterCore(settings);
    const swept = sweepOrphans(settings.root);
    if (!swept.ok) console.error(cleanupFailureMessage(swept.failures));
    if (swept.kept?.length) {
      console.error(
        `metrics-plotter: ${swept.kept.length} path(s) under ${core.assets.assetsDir} were left alone because they are ` +
          "not provably a plotter's own files; run `npx metrics-plotter clean` in that folder to see each one and why."
      );
    }
    kernelRegistry().add(core);
    return core;
  }

  get root(): string {
    return this.assets.root;
  }

  get assetsFolder(): string {
    return this.assets.dir;
  }

  get closed(): boolean {
    return this.finalReport !== null;
  }

  ensureOpen(action: string): void {
    if (this.closed) {
      throw new InputError(
        `cannot ${action}: the plotter "${this.title}" was closed (by close(), or because its output was closed in ` +
          'JupyterLab) and its files were removed. Create a new MetricsPlotter.'
      );
    }
  }

  summary(): SummaryInput {
    return summaryOf(this);
  }

  /** The payload of one view (outputs/payload.ts). */
  payload(viewId: string): PlotterPayload {
    return plotterPayload(this, viewId);
  }

  /** The display bundle of one view (outputs/payload.ts). */
  bundle(viewId: string): Record<string, unknown> {
    return displayBundle(this, viewId);
  }

  /**
   * Ends the session once: stops encodes, removes every file, closes the views' widget models,
   * leaves the registry. `how`: whether the outputs can show the end (see SessionEnd).
   */
  end(how: SessionEnd): CleanupReport {
    if (this.finalReport) return this.finalReport;
    for (const stop of [...this.stops]) stop();
    this.outputs.stop();
    this.finalReport = this.media.end();
    this.outputs.end(how);
    kernelRegistry().ended(this, this.finalReport);
    return this.finalReport;
  }

  /** Something its outputs show changed besides points, runs and media (a watch's counts). */
  changed(): void {
    this.outputs.changed();
  }

  /** `stop` runs when the session ends (a watch of a log directory); the returned function unregisters it. */
  untilEnd(stop: () => void): () => void {
    this.stops.add(stop);
    return () => this.stops.delete(stop);
  }

  /** Keeps a media entry for good (see RunLogging.keep): media/keep.ts. */
  keep(run: string, name: string, step: number | undefined, to: string | undefined): MediaEntry {
    this.ensureOpen('keep a media entry');
    return keepEntry(this.media, { root: this.root, assetsFolder: this.assetsFolder }, run, name, step, to);
  }

  /** Asks the outputs' notebook to keep a run as a baseline (see MetricsPlotter.pin). */
  pin(run: string, label: string | undefined): void {
    this.ensureOpen('pin a run');
    if (!this.metrics.hasRun(run)) {
      const withMetrics = this.metrics.runsWithMetrics().map(r => `"${runLabel(r)}"`);
      throw new InputError(
        `cannot pin the run "${runLabel(run)}": it has logged no metrics${
          withMetrics.length ? `; the runs with metrics are ${withMetrics.join(', ')}` : ' (nothing has)'
        }. Pin a run after it logged, by its name (pin() alone pins the plotter's own logging).`
      );
    }
    this.pinRequests.push({ id: `${this.id}-pin-${++this.pinCount}`, run, ...(label ? { label } : {}) });
    this.pinRequests.splice(0, Math.max(0, this.pinRequests.length - PIN_REQUESTS_SENT));
    this.outputs.changed(true);
  }

  // ManagedPlotter: what the kernel registry calls.
  releaseView(viewId: string): ReleaseReply {
    if (this.closed) return { plotterId: this.id, outcome: 'unknown' };
    if (!this.outputs.release(viewId)) return { plotterId: this.id, outcome: 'kept' };
    return { plotterId: this.id, outcome: 'closed', report: this.end('released') };
  }

  setWatched(watched: boolean): void {
    if (this.closed) return;
    if (watched) return this.media.watch();
    // No page shows it: its files go; no cell runs to show a failure, so the server's log does.
    const report = this.media.unwatch();
    if (!report.ok) writeToServerLog(cleanupFailureMessage(report.failures));
  }

  answer(request: PlotterRequest, comm: PageComm): Answer {
    return answerPlotterRequest(this, request, comm);
  }

  dropComm(comm: PageComm): void {
    this.stream.dropComm(comm);
  }

  widgetsRendered(): void {
    if (!this.closed) this.outputs.openWidgets();
  }

  endAtExit(): CleanupReport {
    return this.end('exiting');
  }

  interruptEncodes(): void {
    this.media.interrupt();
  }
}

/** Each user-facing object's core (plotter.ts binds them; `metrics-plotter/internals` reads them). */
const cores = new WeakMap<object, PlotterCore>();

export function bindCore(owner: object, core: PlotterCore): void {
  cores.set(owner, core);
}

export function coreOf(owner: object): PlotterCore {
  return cores.get(owner)!;
}
