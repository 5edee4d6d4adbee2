/**
 * Jupyter comms for tslab, from inside the kernel process (tslab has none: it ignores comm_open and
 * answers comm_info_request with an empty list, under the wrong message type). tslab's author asked
 * for this to live outside tslab (yunabe/tslab#23); this package already extends tslab's message
 * handling (tslab-bridge.ts), and does the same here:
 *
 *   frontend ── comm_open / comm_msg / comm_close ──> shell ──> our wrapper of handleShellMessage
 *   kernel   ── comm_open / comm_msg / comm_close ──> iopub (parent: the message being answered,
 *                                                     or the last execute_request for kernel-initiated ones)
 *
 * The manager learns tslab's sockets from the first message it sees (the package installs it when
 * imported). Kernel-initiated messages before that (a comm opened in the cell that imported the
 * package) wait, in order, and go out just before the first message is handled: in JupyterLab the
 * extension's own comm_open, which it sends as soon as it sees a plotter's output, or the next cell.
 *
 * tslab calls handleShellMessage for every shell and control message without awaiting it; only
 * execute_request goes through its execution queue. So comm messages are handled at once, also
 * while a cell awaits (a training loop). Messages follow the Jupyter messaging spec (5.3):
 * HMAC-SHA256 over header, parent header, metadata and content; binary buffers ride as extra frames,
 * unsigned, as the spec has them (tslab's own sender would sign and stringify them).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { tslabServerPrototype } from './tslab-bridge';

const DELIM = '<IDS|MSG>';

type Json = Record<string, unknown>;

export interface WireMessage {
  identities: Buffer[];
  header: Json & { msg_id: string; msg_type: string; session?: string; username?: string };
  parent: Json;
  metadata: Json;
  content: Json;
  buffers: Buffer[];
}

function sign(key: string, parts: string[]): string {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Parses and verifies a message's frames; throws on a bad signature. */
export function parseWire(key: string, frames: Buffer[]): WireMessage {
  const at = frames.findIndex(f => f.toString() === DELIM);
  if (at < 0) throw new Error('message without the <IDS|MSG> delimiter');
  const [hmac, ...rest] = frames.slice(at + 1);
  const parts = rest.slice(0, 4).map(b => b.toString('utf8'));
  if (key) {
    const want = Buffer.from(sign(key, parts));
    const got = Buffer.from(hmac.toString());
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw new Error('message with a bad signature');
  }
  const [header, parent, metadata, content] = parts.map(p => JSON.parse(p));
  return { identities: frames.slice(0, at), header, parent, metadata, content, buffers: rest.slice(4) };
}

/** The frames of a message, signed. */
export function encodeWire(
  key: string,
  msg: Omit<WireMessage, 'identities'> & { identities?: Buffer[] }
): Array<Buffer | string> {
  const parts = [msg.header, msg.parent, msg.metadata, msg.content].map(p => JSON.stringify(p));
  return [...(msg.identities ?? []), DELIM, key ? sign(key, parts) : '', ...parts, ...msg.buffers];
}

interface ServerLike {
  connInfo: { key: string };
  iopub: { send(frames: Array<Buffer | string>): unknown };
  /** tslab's execution queue: `prev` settles when the last queued cell has run. */
  handler?: { execQueue?: { prev?: Promise<unknown> } };
}

export type CommMsgHandler = (data: Json, buffers: Buffer[]) => void;
export type TargetHandler = (comm: Comm, data: Json, buffers: Buffer[]) => void;

/** One end of a comm, in the kernel. */
export class Comm {
  private readonly msgHandlers: CommMsgHandler[] = [];
  private readonly closeHandlers: CommMsgHandler[] = [];
  closed = false;

  constructor(
    private readonly manager: CommManager,
    readonly id: string,
    readonly targetName: string
  ) {}

  onMsg(handler: CommMsgHandler): void {
    this.msgHandlers.push(handler);
  }

  onClose(handler: CommMsgHandler): void {
    this.closeHandlers.push(handler);
  }

  /**
   * Sends data (and binary buffers) to the frontend's end of this comm; false when it could not go
   * (the comm is closed, or the kernel's sockets are: the process is exiting).
   */
  send(data: Json, buffers: ArrayBufferView[] = []): boolean {
    if (this.closed) return false;
    return this.manager.publish('comm_msg', { comm_id: this.id, data }, buffers);
  }

  /**
   * Forgets the comm without a word to the frontend: the kernel process is going, and frontends drop
   * every comm of a kernel that restarts or shuts down (a comm_close then would name a comm they no
   * longer know).
   */
  drop(): void {
    this.closed = true;
    this.manager.forget(this);
  }

  /** Closes the comm from the kernel's side. */
  close(data: Json = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.forget(this);
    this.manager.publish('comm_close', { comm_id: this.id, data });
  }

  /** @internal a message from the frontend */
  receive(data: Json, buffers: Buffer[]): void {
    for (const h of this.msgHandlers) h(data, buffers);
  }

  /** @internal the frontend closed it */
  closedByFrontend(data: Json, buffers: Buffer[]): void {
    this.closed = true;
    for (const h of this.closeHandlers) h(data, buffers);
  }
}

export class CommManager {
  private readonly targets = new Map<string, TargetHandler>();
  private readonly comms = new Map<string, Comm>();
  private server: ServerLike | null = null;
  /** The message replies go out under: the one being handled, else the last execute_request. */
  private parent: WireMessage | null = null;
  private lastExecute: WireMessage | null = null;
  /** The last message of any kind: the parent of kernel-initiated messages before any execute_request was seen. */
  private lastSeen: WireMessage | null = null;
  /** Kernel-initiated messages published before the sockets were known, oldest first. */
  private waiting: Array<Parameters<CommManager['publish']>> = [];

  /** Frontends may open comms on `name`; `handler` gets each new comm and its opening data. */
  registerTarget(name: string, handler: TargetHandler): void {
    this.targets.set(name, handler);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel (e.g. a widget model); in the cell that installed comms, it goes out with the first message seen. */
  open(targetName: string, data: Json = {}, buffers: ArrayBufferView[] = [], metadata: Json = {}): Comm {
    const comm = new Comm(this, randomBytes(16).toString('hex'), targetName);
    this.comms.set(comm.id, comm);
    this.publish('comm_open', { comm_id: comm.id, target_name: targetName, data }, buffers, metadata);
    return comm;
  }

  /** Open comms, by id. */
  get openComms(): ReadonlyMap<string, Comm> {
    return this.comms;
  }

  /** @internal */
  forget(comm: Comm): void {
    this.comms.delete(comm.id);
  }

  /**
   * @internal Sends on iopub under the current parent (or the one given); false when the kernel's
   * sockets are closing (process exit), where nothing can reach the frontend any more.
   */
  publish(
    msgType: string,
    content: Json,
    buffers: ArrayBufferView[] = [],
    metadata: Json = {},
    parentMessage: WireMessage | null = null
  ): boolean {
    const server = this.server;
    const parent = parentMessage ?? this.parent ?? this.lastExecute ?? this.lastSeen;
    if (!server || !parent) {
      // The manager learns tslab's sockets from the messages it sees: the cell that loaded this
      // package started before it was installed.
      this.waiting.push([msgType, content, buffers, metadata, parentMessage]);
      return true;
    }
    // tslab stamps each message with the session of the request it answers, and JupyterLab drops a
    // message whose session differs from the last one it received ("old message") when its queue
    // lags. While a cell runs, tslab's outputs carry that cell's session: ours carry it too, so
    // that a comm message between two outputs never makes JupyterLab drop one of them.
    const session = (this.lastExecute ?? parent).header.session;
    const header = {
      msg_id: randomBytes(16).toString('hex'),
      msg_type: msgType,
      session,
      username: parent.header.username,
      date: new Date().toISOString(),
      version: '5.3'
    };
    const raw = buffers.map(b => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    try {
      server.iopub.send(encodeWire(server.connInfo.key, { header, parent: parent.header, metadata, content, buffers: raw }));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends what was published before the sockets were known, in order. */
  private sendWaiting(): void {
    if (!this.waiting.length) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const args of waiting) this.publish(...args);
  }

  private reply(sock: ServerLike['iopub'], msg: WireMessage, msgType: string, content: Json): void {
    const header = { ...msg.header, msg_id: randomBytes(16).toString('hex'), msg_type: msgType, date: new Date().toISOString() };
    const key = this.server!.connInfo.key;
    sock.send(encodeWire(key, { identities: msg.identities, header, parent: msg.header, metadata: {}, content, buffers: [] }));
  }

  /**
   * Says "idle" for a comm message once no cell is running. The kernel is busy while a cell runs;
   * JupyterLab shows the kernel's state from every status message, so an idle for a comm message
   * handled during a training loop would show the kernel idle while the loop still runs.
   */
  private idleAfterExecutions(server: ServerLike, msg: WireMessage): void {
    const idle = (): void => void this.publish('status', { execution_state: 'idle' }, [], {}, msg);
    const running = server.handler?.execQueue?.prev;
    if (running && typeof running.then === 'function') running.then(idle, idle);
    else idle();
  }

  /**
   * @internal Handles a shell message if it is a comm message; false otherwise (tslab handles it).
   * Runs for every shell and control message, before tslab.
   */
  handle(server: ServerLike, sock: ServerLike['iopub'], frames: Buffer[]): boolean {
    this.server = server;
    let msg: WireMessage;
    try {
      msg = parseWire(server.connInfo.key, frames);
    } catch {
      return false; // not ours to judge: tslab reports it
    }
    const type = msg.header.msg_type;
    this.lastSeen = msg;
    if (type === 'execute_request') this.lastExecute = msg;
    this.sendWaiting();
    if (type !== 'comm_open' && type !== 'comm_msg' && type !== 'comm_close' && type !== 'comm_info_request') return false;
    this.parent = msg;
    try {
      this.publish('status', { execution_state: 'busy' });
      const content = msg.content as { comm_id?: string; target_name?: string; data?: Json };
      if (type === 'comm_info_request') {
        const target = content.target_name;
        const comms: Record<string, { target_name: string }> = {};
        for (const c of this.comms.values()) if (!target || c.targetName === target) comms[c.id] = { target_name: c.targetName };
        this.reply(sock, msg, 'comm_info_reply', { status: 'ok', comms });
      } else if (type === 'comm_open') {
        const handler = this.targets.get(String(content.target_name));
        const comm = new Comm(this, String(content.comm_id), String(content.target_name));
        if (handler) {
          this.comms.set(comm.id, comm);
          handler(comm, content.data ?? {}, msg.buffers);
        } else {
          // As ipykernel does: an unknown target gets its comm closed at once.
          this.publish('comm_close', { comm_id: comm.id, data: {} });
        }
      } else {
        const comm = this.comms.get(String(content.comm_id));
        if (comm && type === 'comm_msg') comm.receive(content.data ?? {}, msg.buffers);
        if (comm && type === 'comm_close') {
          this.forget(comm);
          comm.closedByFrontend(content.data ?? {}, msg.buffers);
        }
      }
    } catch (err) {
      console.error(`metrics-plotter: a comm handler failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.parent = null;
      this.idleAfterExecutions(server, msg);
    }
    return true;
  }
}

const MANAGER = Symbol.for('metrics-plotter.tslab-comms.v1');

/**
 * The comm manager of this kernel process, installed into tslab on first use; null outside tslab.
 * One per process, shared by every copy of this package (it hangs on globalThis).
 */
export function tslabComms(): CommManager | null {
  const holder = globalThis as unknown as Record<symbol, CommManager | undefined>;
  if (holder[MANAGER]) return holder[MANAGER]!;
  const proto = tslabServerPrototype();
  if (!proto || typeof proto.handleShellMessage !== 'function') return null;
  const manager = (holder[MANAGER] = new CommManager());
  const original = proto.handleShellMessage as (this: ServerLike, sock: ServerLike['iopub'], ...frames: Buffer[]) => unknown;
  proto.handleShellMessage = function (this: ServerLike, sock: ServerLike['iopub'], ...frames: Buffer[]) {
    if (manager.handle(this, sock, frames)) return Promise.resolve();
    return original.call(this, sock, ...frames);
  };
  return manager;
}
