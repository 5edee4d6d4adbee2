/**
 * A real kernel for tests — tslab, or Deno's (`deno jupyter`) — started the way jupyter_client
 * starts it (a connection file and the kernelspec's argv, cwd = the notebook's folder) and driven
 * over the Jupyter messaging protocol on ZeroMQ, with HMAC-signed messages.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { createHmac, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';
import { KERNEL_COMM_TARGET, type KernelRequest, type ReleaseReply } from '../../src/protocol';
import { freePorts } from './ports';

export const REPO = path.resolve(__dirname, '..', '..');
const TSLAB_BIN = path.join(REPO, 'node_modules', '.bin', 'tslab');
const DENO_BIN = path.join(REPO, 'node_modules', '.bin', 'deno');
/** Notebook folders for tests live under the repo so tslab resolves @types/node and metrics-plotter. */
export const NOTEBOOKS = path.join(REPO, '.test-notebooks');
/** Those of Deno's kernel, one folder per test process (see denoNotebooksRoot). */
const DENO_NOTEBOOKS = path.join(REPO, '.test-notebooks-deno');

/** The TypeScript kernels the plotter runs in. */
export type Runtime = 'tslab' | 'deno';

/** The kernelspec's argv of each, for a connection file. */
const KERNEL_ARGV: Record<Runtime, (connectionFile: string) => string[]> = {
  tslab: file => [TSLAB_BIN, 'kernel', '--config-path', file],
  deno: file => [DENO_BIN, 'jupyter', '--kernel', '--conn', file]
};

export interface Output {
  msg_type: string;
  /** The message's metadata (a widget's comm_open carries the protocol version there). */
  metadata?: any;
  content: any;
  /** Binary buffers after the content frame (comm messages). */
  buffers?: Buffer[];
  parentMsgId?: string;
}

export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  /** The execute_reply's count: what the cell's In [n] shows. */
  executionCount: number;
  stdout: string;
  stderr: string;
  outputs: Output[];
}

/**
 * The folder all test notebooks live in, with node_modules/metrics-plotter -> this checkout, so that
 * `import ... from "metrics-plotter"` resolves as after `npm install metrics-plotter`.
 */
export function notebooksRoot(): string {
  const link = path.join(NOTEBOOKS, 'node_modules', 'metrics-plotter');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    fs.symlinkSync(REPO, link, 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return NOTEBOOKS;
}

let denoRoot: string | null = null;

/**
 * The folder Deno's test notebooks live in: metrics-plotter installed in its node_modules from what
 * `npm pack` makes of this checkout, as a user's `npm install` would (Deno reads a CommonJS package
 * only inside node_modules: a symlink to the checkout resolves outside it). Its dependencies resolve
 * from the checkout's node_modules further up. One per test process, removed when it exits.
 */
export function denoNotebooksRoot(): string {
  if (denoRoot) return denoRoot;
  const root = path.join(DENO_NOTEBOOKS, String(process.pid));
  const packageDir = path.join(root, 'node_modules', 'metrics-plotter');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(packageDir, { recursive: true });
  // A project of its own, as a user's folder is: without it, the nearest package.json up the tree
  // is this checkout's, whose `exports` make "metrics-plotter" resolve to the checkout's lib/
  // (a package's name resolves to itself inside it), outside node_modules.
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'deno-test-notebooks', private: true }));
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: REPO, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const tarball = path.join(root, pack.stdout.trim().split('\n').pop()!);
  const untar = spawnSync('tar', ['xzf', tarball, '-C', packageDir, '--strip-components=1'], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  fs.rmSync(tarball);
  process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return (denoRoot = root);
}

/** A fresh notebook folder (removed by `removeNotebookDir`), for a kernel of `runtime`. */
export function makeNotebookDir(name: string, runtime: Runtime = 'tslab'): string {
  return fs.mkdtempSync(path.join(runtime === 'deno' ? denoNotebooksRoot() : notebooksRoot(), `${name}-`));
}

export function removeNotebookDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Every file and folder below dir, as sorted relative paths (what "the folder as it was" means).
 * A folder below dir removed while it is listed (a kernel cleaning up as a test polls) is listed
 * without its contents: the next listing finds it gone.
 */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of entriesOf(d, d !== dir)) {
      const rel = path.relative(dir, path.join(d, e.name));
      out.push(rel + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory() && !e.isSymbolicLink()) walk(path.join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

function entriesOf(d: string, mayVanish: boolean): fs.Dirent[] {
  try {
    return fs.readdirSync(d, { withFileTypes: true });
  } catch (e) {
    if (mayVanish && (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The folder without Jupyter's own checkpoints (not ours to judge). */
const withoutCheckpoints = (tree: string[]): string[] => tree.filter(f => !f.startsWith('.ipynb_checkpoints'));

/**
 * Polls the real folder until it holds what `expected` accepts (up to `timeoutMs`, generous for a
 * loaded CI machine: nothing here asserts a duration); the error lists what it holds.
 */
export async function waitForTree(
  dir: string,
  expected: (tree: string[]) => boolean,
  what: string,
  timeoutMs = 60_000
): Promise<string[]> {
  for (let waited = 0; waited <= timeoutMs; waited += 100) {
    const tree = listTree(dir);
    if (expected(tree)) return tree;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`${what}; the folder holds:\n${listTree(dir).join('\n')}`);
}

/** Waits until the folder is as it was (Jupyter's checkpoints aside). */
export function waitForFolderAsItWas(dir: string, before: string[], what: string, timeoutMs?: number): Promise<string[]> {
  const same = (tree: string[]): boolean => withoutCheckpoints(tree).join('\n') === withoutCheckpoints(before).join('\n');
  return waitForTree(dir, same, what, timeoutMs);
}

export class KernelProcess {
  readonly kernelId = randomUUID();
  readonly connectionFile: string;
  private readonly key = randomUUID();
  private readonly session = randomUUID();
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private iopub!: zmq.Subscriber;
  private readonly waiters = new Map<string, (msg: Output & { channel: string }) => void>();
  private readonly iopubByParent = new Map<string, Output[]>();
  private readonly idleWaiters = new Map<string, () => void>();
  /** Every iopub message, in order (comm messages of a kernel-initiated comm have no request of ours). */
  readonly allIopub: Output[] = [];
  private readonly iopubWaiters = new Set<() => void>();
  private closed = false;
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrLog = '';

  private constructor(
    readonly cwd: string,
    ports: number[],
    env: NodeJS.ProcessEnv,
    readonly runtime: Runtime
  ) {
    this.connectionFile = path.join(os.tmpdir(), `kernel-${this.kernelId}.json`);
    const [shell, iopub, stdin, control, hb] = ports;
    fs.writeFileSync(
      this.connectionFile,
      JSON.stringify({
        shell_port: shell,
        iopub_port: iopub,
        stdin_port: stdin,
        control_port: control,
        hb_port: hb,
        ip: '127.0.0.1',
        key: this.key,
        transport: 'tcp',
        signature_scheme: 'hmac-sha256',
        kernel_name: runtime
      })
    );
    const [command, ...args] = KERNEL_ARGV[runtime](this.connectionFile);
    this.process = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true // a session and process group of its own, as jupyter_client starts kernels
    });
    this.process.stdout!.on('data', d => (this.stderrLog += d));
    this.process.stderr!.on('data', d => (this.stderrLog += d));
    this.exited = new Promise(resolve => this.process.on('exit', (code, signal) => resolve({ code, signal })));
    const url = (port: number): string => `tcp://127.0.0.1:${port}`;
    this.shell = new zmq.Dealer({ linger: 0 });
    this.shell.connect(url(shell));
    this.control = new zmq.Dealer({ linger: 0 });
    this.control.connect(url(control));
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.iopub.connect(url(iopub));
    this.iopub.subscribe();
    void this.pump(this.shell, 'shell');
    void this.pump(this.control, 'control');
    void this.pump(this.iopub, 'iopub');
  }

  static async start(cwd: string, env: NodeJS.ProcessEnv = {}, runtime: Runtime = 'tslab'): Promise<KernelProcess> {
    const ports = await freePorts(5);
    const kernel = new KernelProcess(cwd, ports, env, runtime);
    // kernel_info until answered (asked again each second, as jupyter_client's wait_for_ready does:
    // once in CI a kernel answered later requests but never the first), then until iopub is
    // subscribed (the "slow joiner"): an execution's idle status must reach us before we rely on it.
    for (let asked = 1; !(await kernel.requestWithin(1000, 'shell', 'kernel_info_request', {})); asked++) {
      if (asked < 90) continue;
      // Nothing is left running to hold the test run open.
      kernel.process.kill('SIGKILL');
      kernel.close();
      throw new Error(`the ${runtime} kernel did not answer kernel_info in 90 s:\n${kernel.stderrLog}`);
    }
    for (let i = 0; i < 50; i++) {
      const r = await kernel.executeRaw('void 0');
      if (r.sawIdle) break;
    }
    return kernel;
  }

  private sign(parts: string[]): string {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, channel: string): Promise<void> {
    try {
      for await (const frames of sock) {
        const strs = frames.map(f => f.toString('utf8'));
        const at = strs.indexOf('<IDS|MSG>');
        const [, header, parent, metadata, content] = strs.slice(at + 1);
        const h = JSON.parse(header);
        const p = JSON.parse(parent);
        const buffers = frames.slice(at + 6).map(f => Buffer.from(f));
        const msg = {
          channel,
          msg_type: h.msg_type as string,
          metadata: JSON.parse(metadata),
          content: JSON.parse(content),
          buffers,
          parentMsgId: p.msg_id as string
        };
        if (channel === 'iopub') {
          this.allIopub.push(msg);
          for (const w of [...this.iopubWaiters]) w();
          const list = this.iopubByParent.get(p.msg_id) ?? [];
          list.push(msg);
          this.iopubByParent.set(p.msg_id, list);
          if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') this.idleWaiters.get(p.msg_id)?.();
        } else {
          this.waiters.get(p.msg_id)?.(msg);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  /** Sends a shell message that has no reply (comm_open, comm_msg, comm_close), with binary buffers. */
  async sendShell(msgType: string, content: object, buffers: Buffer[] = []): Promise<string> {
    const { msgId, frames } = this.envelope(msgType, content);
    await this.shell.send([...frames, ...buffers]);
    return msgId;
  }

  private extensionCommId: string | null = null;
  private extensionCommOpen = '';

  /**
   * Opens the comm the JupyterLab extension opens (src/protocol KERNEL_COMM_TARGET), once. With
   * `settled`, waits until the kernel has handled it (its "idle", which comes only once no cell runs).
   * `widgets`: the page renders widget models (jupyterlab_widgets is installed). `binary`: its
   * connection carries binary frames (false: a page behind a kernel gateway).
   */
  async openExtensionComm({ settled = false, widgets = false, binary = true } = {}): Promise<string> {
    if (!this.extensionCommId) {
      this.extensionCommId = randomUUID().replace(/-/g, '');
      // No reply to wait for otherwise: the kernel handles shell messages in order, so what is sent
      // on the shell after it finds the comm open.
      this.extensionCommOpen = await this.sendShell('comm_open', {
        comm_id: this.extensionCommId,
        target_name: KERNEL_COMM_TARGET,
        data: { widgets, binary }
      });
    }
    const sent = this.extensionCommOpen;
    if (settled)
      await this.waitForIopub(o => o.msg_type === 'status' && o.parentMsgId === sent && o.content.execution_state === 'idle');
    return this.extensionCommId;
  }

  /** The comm of another page of the extension on this kernel (a second browser tab); its id. */
  async openAnotherPage(): Promise<string> {
    const commId = randomUUID().replace(/-/g, '');
    await this.sendShell('comm_open', {
      comm_id: commId,
      target_name: KERNEL_COMM_TARGET,
      data: { widgets: false, binary: true }
    });
    return commId;
  }

  /**
   * A request on the extension's comm (or on `commId`, another page's), as the extension sends it;
   * the kernel's reply and its buffers.
   */
  async extensionRequest(request: KernelRequest, commId?: string): Promise<{ data: any; buffers: Buffer[] }> {
    commId ??= await this.openExtensionComm();
    const sent = await this.sendShell('comm_msg', { comm_id: commId, data: request });
    const answer = await this.waitForIopub(
      o => o.msg_type === 'comm_msg' && o.parentMsgId === sent && o.content.data?.reply === request.request
    );
    return { data: answer.content.data, buffers: answer.buffers ?? [] };
  }

  /** What the extension does when a view's last output goes: a request on its comm; the kernel's reply. */
  async releaseView(plotterId: string, viewId: string): Promise<ReleaseReply & { reply: string }> {
    return (await this.extensionRequest({ request: 'release', plotterId, viewId })).data;
  }

  /** Waits (polling nothing: woken by each iopub message) for an iopub message that matches. */
  async waitForIopub(match: (o: Output) => boolean, timeoutMs = 30000): Promise<Output> {
    const found = this.allIopub.find(match);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.iopubWaiters.delete(check);
        reject(new Error(`no such iopub message; saw ${this.allIopub.map(o => o.msg_type).join(', ')}`));
      }, timeoutMs);
      const check = (): void => {
        const hit = this.allIopub.find(match);
        if (!hit) return;
        clearTimeout(timer);
        this.iopubWaiters.delete(check);
        resolve(hit);
      };
      this.iopubWaiters.add(check);
    });
  }

  /** A signed message, as frames, with its msg_id. */
  private envelope(msgType: string, content: object): { msgId: string; frames: string[] } {
    const msgId = randomUUID();
    const header = JSON.stringify({
      msg_id: msgId,
      username: 'test',
      session: this.session,
      msg_type: msgType,
      version: '5.3',
      date: new Date().toISOString()
    });
    const parts = [header, '{}', '{}', JSON.stringify(content)];
    return { msgId, frames: ['<IDS|MSG>', this.sign(parts), ...parts] };
  }

  /** Sends a request and resolves with its reply. */
  async request(channel: 'shell' | 'control', msgType: string, content: object): Promise<Output> {
    return (await this.requestWithin(null, channel, msgType, content))!;
  }

  /** A request's reply, or null if none came within `ms` (null: no limit; a reply that comes later is dropped). */
  async requestWithin(ms: number | null, channel: 'shell' | 'control', msgType: string, content: object): Promise<Output | null> {
    const { msgId, frames } = this.envelope(msgType, content);
    return new Promise((resolve, reject) => {
      const timer =
        ms === null
          ? null
          : setTimeout(() => {
              this.waiters.delete(msgId);
              resolve(null);
            }, ms);
      this.waiters.set(msgId, msg => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(msgId);
        resolve(msg);
      });
      (channel === 'shell' ? this.shell : this.control).send(frames).catch(reject);
    });
  }

  private async executeRaw(code: string): Promise<{ reply: Output; outputs: Output[]; sawIdle: boolean }> {
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    const { msgId, frames } = this.envelope('execute_request', content);
    let sawIdle = false;
    const idle = new Promise<void>(resolve => this.idleWaiters.set(msgId, () => ((sawIdle = true), resolve())));
    const reply = new Promise<Output>(resolve => this.waiters.set(msgId, resolve));
    await this.shell.send(frames);
    const r = await reply;
    // The idle status follows the reply on iopub; it is missing only before iopub is subscribed.
    await Promise.race([idle, new Promise(res => setTimeout(res, 300).unref())]);
    // Deno's kernel forwards a cell's stdout from a pipe and only sleeps 5 ms for it before the
    // reply (denoland/deno#20337), so under load a print can follow the idle status: wait until the
    // cell's outputs are quiet before reading them.
    if (this.runtime === 'deno') await this.quietOutputs(msgId);
    this.waiters.delete(msgId);
    this.idleWaiters.delete(msgId);
    return { reply: r, outputs: this.iopubByParent.get(msgId) ?? [], sawIdle };
  }

  private async quietOutputs(msgId: string, quietMs = 150): Promise<void> {
    let seen = -1;
    while (seen !== (this.iopubByParent.get(msgId)?.length ?? 0)) {
      seen = this.iopubByParent.get(msgId)?.length ?? 0;
      await new Promise(res => setTimeout(res, quietMs));
    }
  }

  /** Runs a cell and collects what it printed and displayed. */
  async execute(code: string): Promise<ExecuteResult> {
    const { reply, outputs } = await this.executeRaw(code);
    const text = (name: string): string =>
      outputs
        .filter(o => o.msg_type === 'stream' && o.content.name === name)
        .map(o => o.content.text)
        .join('');
    if (reply.content.status === 'error') {
      // tslab aborts requests that arrive within 200 ms of a failed cell; a person is never that quick.
      await new Promise(res => setTimeout(res, 250));
    }
    // tslab reports a failed cell on stderr only, Deno with an `error` message: that text is what the user reads.
    const errors = outputs
      .filter(o => o.msg_type === 'error')
      .map(o => `${o.content.ename}: ${o.content.evalue}\n`)
      .join('');
    return {
      status: reply.content.status,
      executionCount: reply.content.execution_count,
      stdout: text('stdout'),
      stderr: text('stderr') + errors,
      outputs
    };
  }

  /** Runs a cell that must succeed; returns its stdout. */
  async run(code: string): Promise<ExecuteResult> {
    const r = await this.execute(code);
    if (r.status !== 'ok') {
      throw new Error(
        `cell failed (${r.status})\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nkernel: ${this.stderrLog.slice(-2000)}`
      );
    }
    return r;
  }

  /** Sends shutdown_request on the control channel, as jupyter_client does for shutdown and restart. */
  async requestShutdown(restart: boolean): Promise<Output> {
    return this.request('control', 'shutdown_request', { restart });
  }

  /**
   * jupyter_client's shutdown: the request, then wait (here up to `waitMs`) for the process to exit,
   * then SIGTERM, then SIGKILL. Returns which step ended it.
   */
  async shutdownLikeJupyter(restart: boolean, waitMs = 5000): Promise<'exited' | 'SIGTERM' | 'SIGKILL'> {
    // jupyter_client's shutdown_kernel interrupts the kernel first (SIGINT), then asks it to shut down.
    this.process.kill('SIGINT');
    // Deno's kernel (its kernelspec has no interrupt_mode) dies of that SIGINT: no reply ever comes.
    await Promise.race([this.requestShutdown(restart), this.exited]);
    const timeout = (ms: number): Promise<'timeout'> => new Promise(res => setTimeout(() => res('timeout'), ms).unref());
    if ((await Promise.race([this.exited, timeout(waitMs)])) !== 'timeout') return this.finish('exited');
    this.process.kill('SIGTERM');
    if ((await Promise.race([this.exited, timeout(5000)])) !== 'timeout') return this.finish('SIGTERM');
    this.process.kill('SIGKILL');
    await this.exited;
    return this.finish('SIGKILL');
  }

  private finish<T>(v: T): T {
    this.close();
    return v;
  }

  /** Closes our sockets (the kernel process is left as it is). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    fs.rmSync(this.connectionFile, { force: true });
  }

  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.process.kill(signal);
    const r = await this.exited;
    this.close();
    return r;
  }

  /** Signals the kernel's whole process group, as jupyter_client ends a kernel that does not answer. */
  async killGroup(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    process.kill(-this.process.pid!, signal);
    const r = await this.exited;
    this.close();
    return r;
  }

  /** The process id of the kernel's watchdog (src/kernel/host/watchdog.ts), once a plotter started it. */
  async watchdogPid(): Promise<number> {
    const internals =
      this.runtime === 'deno' ? 'await import("metrics-plotter/internals")' : 'require("metrics-plotter/internals")';
    const r = await this.run(`console.log((${internals}).kernelRegistry().watchdogPid)`);
    return Number(r.stdout.trim());
  }
}
