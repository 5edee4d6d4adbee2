/**
 * One Jupyter kernel as this page sees it: whether it runs, the processes it has run and why each
 * ended, and the extension's comm with its current process (kernel-channel.ts).
 */
import type { Contents, Event, Kernel } from '@jupyterlab/services';
import type { ISignal } from '@lumino/signaling';
import { PLAIN_PAGE, type ExtensionHello, type KernelEvent } from '../../protocol';
import { KernelChannel, type WithBuffers } from './kernel-channel';
import type { EndReason } from './view-sessions';

/** The parts of JupyterLab's ServiceManager the session tracking uses. */
export interface PlotterServices {
  kernels: Pick<Kernel.IManager, 'ready' | 'running' | 'refreshRunning' | 'connectTo'> & {
    runningChanged: ISignal<unknown, Kernel.IModel[]>;
  };
  contents: Pick<Contents.IManager, 'get'>;
  events?: { stream: ISignal<unknown, Event.Emission> };
}

export type EndListener = (why: EndReason) => void;

/** One Jupyter kernel (by id) and the processes it has run, as far as this page has seen. */
export class KernelWatch {
  /** Processes that ran in this kernel and ended, with why. */
  readonly ended = new Map<number, EndReason>();
  readonly listeners = new Map<EndListener, number>();
  private connection: Kernel.IKernelConnection | null = null;
  /** The comm with the current process of this kernel (a restart starts a new one). */
  private commChannel: KernelChannel | null = null;
  /** The kernel's model on the server; null when it is not running (an output from an earlier session). */
  readonly running: Promise<Kernel.IModel | null>;

  constructor(
    readonly kernelId: string,
    private readonly services: PlotterServices,
    private readonly onGone: (watch: KernelWatch) => void,
    private readonly onEvent: (event: KernelEvent, buffers: WithBuffers<unknown>['buffers']) => void,
    private readonly hello: ExtensionHello = PLAIN_PAGE
  ) {
    this.running = this.checkRunning();
  }

  private async checkRunning(): Promise<Kernel.IModel | null> {
    try {
      await this.services.kernels.ready;
      await this.services.kernels.refreshRunning();
    } catch {
      /* the server is unreachable: trust the last list */
    }
    const model = [...this.services.kernels.running()].find(k => k.id === this.kernelId);
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
    this.connection = connection;
    return connection;
  }

  /** The comm with the kernel's current process; null when the kernel is not running. */
  async channel(): Promise<KernelChannel | null> {
    const connection = await this.connect();
    if (!connection) return null;
    // The comm's hello says whether this connection takes binary frames: known once it is open.
    await connected(connection);
    if (!this.commChannel) {
      this.commChannel = new KernelChannel(connection, this.hello);
      this.commChannel.events.connect((_, { data, buffers }) => this.onEvent(data, buffers));
    }
    return this.commChannel;
  }

  /** Every process seen so far in this kernel has ended. */
  endAll(why: EndReason): void {
    this.commChannel?.dispose();
    this.commChannel = null;
    for (const [listener, pid] of [...this.listeners]) {
      if (!this.ended.has(pid)) this.ended.set(pid, why);
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
    this.commChannel?.dispose();
    this.commChannel = null;
    this.connection?.dispose();
    this.connection = null;
  }
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
