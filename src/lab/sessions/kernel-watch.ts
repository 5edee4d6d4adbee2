/**
 * One Jupyter kernel as this page sees it: whether it runs, the processes it has run and why each
 * ended, and the extension's comms with them (kernel-channel.ts): one per process, opened when an
 * output of that process first asks something. A comm lives in the process that received its
 * comm_open and dies with it, so an output of a new process (a restart) is never asked about over
 * a comm of the old one, even before the server's restart event reaches the page.
 */
import type { Contents, Event, Kernel, KernelMessage } from '@jupyterlab/services';
import type { ISignal } from '@lumino/signaling';
import { PLAIN_PAGE, PUSHED_POINTS_COMM_ID, isKernelEvent, type ExtensionHello, type KernelEvent } from '../../protocol';
import { KernelChannel, messageBuffers, type WithBuffers } from './kernel-channel';
import type { EndReason } from './view-sessions';

/** The parts of JupyterLab's ServiceManager the session tracking uses. */
export interface PlotterServices {
  kernels: Pick<Kernel.IManager, 'ready' | 'running' | 'refreshRunning' | 'connectTo'> & {
    runningChanged: ISignal<unknown, Kernel.IModel[]>;
  };
  contents: Pick<Contents.IManager, 'get'>;
  events?: { stream: ISignal<unknown, Event.Emission> };
  /**
   * The server's model of one kernel, asked by id (null: not running), for a page whose kernel
   * manager never lists the running kernels: Voilà's keeps its polls in standby and serves
   * GET /api/kernels/<id> only. Where the list is kept (JupyterLab), it is the answer, and a kernel
   * it lacks is never asked for (a 404 in the browser's console).
   */
  kernelById?: (id: string) => Promise<Kernel.IModel | null>;
}

export type EndListener = (why: EndReason) => void;

/** One Jupyter kernel (by id) and the processes it has run, as far as this page has seen. */
export class KernelWatch {
  /** Processes that ran in this kernel and ended, with why. */
  private readonly ended: Map<number, EndReason>;
  /** Who hears when a process ends, with the process each listens to. */
  private readonly listeners = new Map<EndListener, number>();
  private connection: Kernel.IKernelConnection | null = null;
  /** The comm opened for the outputs of each process of this kernel, by process id. */
  private readonly channels = new Map<number, KernelChannel>();
  /** The kernel's model on the server; null when it is not running (an output from an earlier session). */
  readonly running: Promise<Kernel.IModel | null>;

  constructor(
    readonly kernelId: string,
    private readonly services: PlotterServices,
    private readonly onGone: (watch: KernelWatch) => void,
    private readonly onEvent: (event: KernelEvent, buffers: WithBuffers<unknown>['buffers']) => void,
    private readonly hello: ExtensionHello = PLAIN_PAGE,
    /** Processes of this kernel an earlier watch saw end (a watch ends when its kernel seems gone). */
    endedBefore: ReadonlyMap<number, EndReason> = new Map()
  ) {
    this.ended = new Map(endedBefore);
    this.running = this.checkRunning();
  }

  /** Why the process `pid` ended; undefined while it runs (as far as this page knows). */
  endedWhy(pid: number): EndReason | undefined {
    return this.ended.get(pid);
  }

  /** Every process seen to end, with why: what a later watch of this kernel starts from. */
  endedProcesses(): ReadonlyMap<number, EndReason> {
    return this.ended;
  }

  /** `listener` is called once, when the process `pid` ends. */
  listen(pid: number, listener: EndListener): void {
    this.listeners.set(listener, pid);
  }

  unlisten(listener: EndListener): void {
    this.listeners.delete(listener);
  }

  private async checkRunning(): Promise<Kernel.IModel | null> {
    let model: Kernel.IModel | null | undefined;
    try {
      if (this.services.kernelById) model = await this.services.kernelById(this.kernelId);
      else {
        await this.services.kernels.ready;
        await this.services.kernels.refreshRunning();
      }
    } catch {
      /* the server is unreachable: trust the last list */
    }
    model ??= [...this.services.kernels.running()].find(k => k.id === this.kernelId);
    if (!model) {
      this.endAll('earlier session');
      this.onGone(this);
    }
    return model ?? null;
  }

  /** Our own connection to the kernel: for release requests, and to hear of crashes. */
  async connect(): Promise<Kernel.IKernelConnection | null> {
    if (this.connection && !this.connection.isDisposed) return this.connection;
    const model = await this.running;
    if (!model) return null;
    // Several outputs attach at once (a notebook opening): the first to get here connects, once.
    if (this.connection && !this.connection.isDisposed) return this.connection;
    const connection = this.services.kernels.connectTo({ model, handleComms: false });
    connection.statusChanged.connect((_, status) => {
      // Another client's restart is not seen as a status here (it comes as a server event);
      // these two only reach this connection when the server restarts a kernel that died.
      if (status === 'autorestarting' || status === 'restarting') this.endAll('died');
      else if (status === 'dead') this.gone('died');
    });
    // A page the server tells nothing of its kernels (kernelById: Voilà's) learns of their end here:
    // the server closes the websocket of a kernel it shut down (culled, Voilà stopping), or is gone.
    const byId = this.services.kernelById;
    if (byId) {
      connection.connectionStatusChanged.connect((_, status) => {
        if (status !== 'connecting' || this.connection !== connection) return;
        void byId(this.kernelId)
          .catch(() => null)
          .then(model => !model && this.connection === connection && this.gone('shut down'));
      });
    }
    connection.iopubMessage.connect(this.onPushed, this);
    this.connection = connection;
    return connection;
  }

  /** The points a one-way kernel pushes to every page (no comm of ours: see PUSHED_POINTS_COMM_ID). */
  private onPushed(_: unknown, msg: KernelMessage.IIOPubMessage): void {
    if (msg.header.msg_type !== 'comm_msg') return;
    const { comm_id, data } = (msg as KernelMessage.ICommMsgMsg).content;
    if (comm_id === PUSHED_POINTS_COMM_ID && isKernelEvent(data)) this.onEvent(data, messageBuffers(data, msg.buffers));
  }

  /**
   * The comm for outputs of the process `pid`; null when the kernel is not running. Opened in the
   * kernel's current process when first asked for: if `pid` is not that process, the kernel
   * answers that it does not know their plotters.
   */
  async channel(pid: number): Promise<KernelChannel | null> {
    const connection = await this.connect();
    if (!connection) return null;
    // The comm's hello says whether this connection takes binary frames: known once it is open.
    await connected(connection);
    let channel = this.channels.get(pid);
    if (!channel) {
      channel = new KernelChannel(connection, this.hello);
      channel.events.connect((_, { data, buffers }) => this.onEvent(data, buffers));
      this.channels.set(pid, channel);
    }
    return channel;
  }

  /** Every process seen so far in this kernel has ended. */
  endAll(why: EndReason): void {
    for (const pid of new Set([...this.listeners.values(), ...this.channels.keys()])) this.end(pid, why);
  }

  /**
   * The kernel was restarted (the server's event, which may come after outputs of the new process
   * attached): a process whose comm no longer answers ended; one whose comm answers is the new one.
   */
  async restarted(): Promise<void> {
    const pids = new Set([...this.listeners.values(), ...this.channels.keys()]);
    await Promise.all(
      [...pids].map(async pid => {
        // A comm that never answered (Deno's kernel answers none) cannot tell: its process ended.
        const channel = this.channels.get(pid);
        const probe = channel?.answered ? channel.request({ request: 'hold', plotterId: '', viewId: '' }) : null;
        const answer = probe && (await Promise.race([probe.catch(() => null), delay(PROBE_TIMEOUT_MS)]));
        if (!answer) this.end(pid, 'restarted');
      })
    );
  }

  /** The process `pid` ended: its outputs hear why, and its comm goes. */
  private end(pid: number, why: EndReason): void {
    if (!this.ended.has(pid)) this.ended.set(pid, why);
    this.channels.get(pid)?.dispose();
    this.channels.delete(pid);
    for (const [listener, p] of [...this.listeners]) {
      if (p !== pid) continue;
      this.listeners.delete(listener);
      listener(this.ended.get(pid)!);
    }
  }

  gone(why: EndReason): void {
    this.endAll(why);
    this.connection?.dispose();
    this.connection = null;
    this.onGone(this);
  }

  dispose(): void {
    for (const channel of this.channels.values()) channel.dispose();
    this.channels.clear();
    this.connection?.dispose();
    this.connection = null;
  }
}

/** How long a comm has to answer after a restart event before its process counts as ended. */
const PROBE_TIMEOUT_MS = 10_000;

function delay(ms: number): Promise<null> {
  return new Promise(resolve => setTimeout(() => resolve(null), ms));
}

/** Resolves once a connection's websocket is open (or given up). */
function connected(connection: Kernel.IKernelConnection): Promise<void> {
  if (connection.connectionStatus !== 'connecting') return Promise.resolve();
  return new Promise(resolve => {
    const changed = (_: unknown, status: Kernel.ConnectionStatus): void => {
      if (status === 'connecting') return;
      connection.connectionStatusChanged.disconnect(changed);
      resolve();
    };
    connection.connectionStatusChanged.connect(changed);
  });
}
