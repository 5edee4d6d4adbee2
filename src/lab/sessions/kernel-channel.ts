/**
 * The extension's comm with one kernel, on a kernel connection of its own (it outlives every
 * notebook panel: closing a notebook disposes the panel's connection, not this one).
 *
 * The connection is made with `handleComms: false`, so it never answers comm traffic meant for
 * other clients (a comms-handling connection closes every kernel-opened comm whose target it does
 * not know, widgets included). Our comm is driven by hand instead: comm_open and comm_msg go out as
 * shell messages; the kernel's answer to a request comes back under that request's message (the
 * future sees it), and its own events are read off the connection's iopub stream by comm id.
 * Comm messages do not go through tslab's execution queue: a request is answered while a cell runs.
 */
import { KernelMessage, type Kernel } from '@jupyterlab/services';
import { Signal, type ISignal } from '@lumino/signaling';
import {
  KERNEL_COMM_TARGET,
  PLAIN_PAGE,
  TEXT_BUFFERS,
  type ExtensionHello,
  isKernelEvent,
  isKernelReply,
  type KernelEvent,
  type KernelReply,
  type KernelRequest
} from '../../protocol';

/** A message's data with its binary buffers. */
export interface WithBuffers<T> {
  data: T;
  buffers: ReadonlyArray<ArrayBuffer | ArrayBufferView>;
}

/** The parts of a kernel connection this uses. */
export type ChannelConnection = Pick<Kernel.IKernelConnection, 'clientId' | 'username' | 'sendShellMessage' | 'iopubMessage'>;

export class KernelChannel {
  readonly commId: string;
  private readonly eventSignal = new Signal<this, WithBuffers<KernelEvent>>(this);
  private opened = false;
  /** Whether the kernel ever answered a request here (Deno's kernel never does). */
  answered = false;

  constructor(
    private readonly connection: ChannelConnection,
    /** What this page tells the kernel when it opens the comm. */
    private readonly hello: ExtensionHello = PLAIN_PAGE
  ) {
    this.commId = `metrics-plotter-${randomHex()}`;
    connection.iopubMessage.connect(this.onIopub, this);
  }

  /** What the kernel tells on its own (a session that ended, new points of a subscribed view). */
  get events(): ISignal<this, WithBuffers<KernelEvent>> {
    return this.eventSignal;
  }

  /**
   * Sends a request; resolves with the kernel's reply as soon as it comes (while a cell runs, the
   * kernel says "idle" for it only when the cell ends), or with null when the kernel finished with
   * the request without a reply (a kernel side that does not know it).
   */
  request(request: KernelRequest): Promise<WithBuffers<KernelReply> | null> {
    this.open();
    return new Promise<WithBuffers<KernelReply> | null>((resolve, reject) => {
      const future = this.send('comm_msg', { comm_id: this.commId, data: request as never });
      future.onIOPub = msg => {
        if (msg.header.msg_type !== 'comm_msg') return;
        const content = (msg as KernelMessage.ICommMsgMsg).content;
        if (content.comm_id === this.commId && isKernelReply(content.data)) {
          this.answered = true;
          resolve({ data: content.data, buffers: messageBuffers(content.data, msg.buffers) });
        }
      };
      future.done.then(() => resolve(null), reject);
    });
  }

  /**
   * Opens the comm once (requests do it themselves); the kernel registers the target when
   * metrics-plotter is loaded, and from then on tells this comm of every session that ends. A
   * comm_open has no reply; the kernel handles shell messages in order, so requests sent after it
   * find the comm open.
   */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    const data = { ...this.hello, binary: this.hello.binary && carriesBinary(this.connection) } as Record<string, boolean>;
    this.send('comm_open', { comm_id: this.commId, target_name: KERNEL_COMM_TARGET, data }).done.catch(() => undefined);
  }

  private send(
    msgType: 'comm_open' | 'comm_msg' | 'comm_close',
    content: KernelMessage.ICommOpenMsg['content'] | KernelMessage.ICommMsgMsg['content'] | KernelMessage.ICommCloseMsg['content']
  ): Kernel.IShellFuture {
    const msg = KernelMessage.createMessage<KernelMessage.ICommMsgMsg<'shell'>>({
      channel: 'shell',
      msgType: msgType as 'comm_msg',
      session: this.connection.clientId,
      username: this.connection.username,
      content: content as KernelMessage.ICommMsgMsg['content']
    });
    return this.connection.sendShellMessage(msg as never, false, true);
  }

  private onIopub(_: unknown, msg: KernelMessage.IIOPubMessage): void {
    if (msg.header.msg_type !== 'comm_msg') return;
    const content = (msg as KernelMessage.ICommMsgMsg).content;
    if (content.comm_id === this.commId && isKernelEvent(content.data)) {
      this.eventSignal.emit({ data: content.data, buffers: messageBuffers(content.data, msg.buffers) });
    }
  }

  /** Closes the comm (best effort: the kernel may be gone) and stops listening. */
  dispose(): void {
    this.connection.iopubMessage.disconnect(this.onIopub, this);
    if (this.opened) {
      try {
        this.send('comm_close', { comm_id: this.commId, data: {} });
      } catch {
        /* the connection is closed already */
      }
    }
    Signal.clearData(this);
  }
}

/** The websocket protocol jupyter_server speaks for its own kernels (binary frames: message buffers). */
const V1_PROTOCOL = 'v1.kernel.websocket.jupyter.org';

/**
 * Whether a kernel connection carries binary frames safely. Behind a kernel gateway jupyter_server
 * speaks the legacy protocol (no subprotocol) and relays every frame from the gateway as text: one
 * binary frame kills its reader, and the kernel never answers again. Only the v1 protocol proves a
 * connection of jupyter_server's own; JupyterLab 4's KernelConnection keeps the negotiated one
 * privately, so anything else, unknown included, gets text frames: a third more bytes, never a break.
 */
export function carriesBinary(connection: unknown): boolean {
  const c = connection as { _selectedProtocol?: unknown; _ws?: { protocol?: unknown } | null };
  return c._selectedProtocol === V1_PROTOCOL || c._ws?.protocol === V1_PROTOCOL;
}

/** A message's buffers: its binary ones, or those the kernel sent as base64 text (TEXT_BUFFERS). */
export function messageBuffers(
  data: unknown,
  binary: ReadonlyArray<ArrayBuffer | ArrayBufferView> | undefined
): ReadonlyArray<ArrayBuffer | ArrayBufferView> {
  const text = (data as Record<string, unknown> | null)?.[TEXT_BUFFERS];
  if (!Array.isArray(text)) return binary ?? [];
  return text.map(b64 => Uint8Array.from(atob(String(b64)), c => c.charCodeAt(0)));
}

function randomHex(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return [...bytes].map(b => b.toString(16).padStart(2, '0')).join('');
}
