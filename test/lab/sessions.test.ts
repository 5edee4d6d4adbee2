/**
 * The session tracker and the panel against stand-in Jupyter services: jsdom has no server.
 * The same flows run against a real JupyterLab server and a real tslab kernel in test/e2e.
 */
import { Signal } from '@lumino/signaling';
import {
  KERNEL_COMM_TARGET,
  PLOTTER_MIME_TYPE,
  PLOTTER_MIME_TYPE_V1,
  TEXT_BUFFERS,
  type KernelRequest,
  type MediaFileState,
  type PlotterPayload,
  type ReleaseReply
} from '../../src/protocol';
import { EARLIER_SESSION_GRACE_MS, PlotterPanel } from '../../src/lab/output/panel';
import { SessionTracker, type PlotterServices } from '../../src/lab/sessions/tracker';
import { carriesBinary, messageBuffers } from '../../src/lab/sessions/kernel-channel';
import { mediaFromKernel } from '../../src/lab/media/media-files';
import type { PlotterPanelElement } from '../../src/lab/output/panel-element';
import { mimeModel, payload, settle } from './fixtures';

/** A kernel connection whose kernel answers the extension's comm as the kernel side does. */
class FakeKernelConnection {
  readonly statusChanged = new Signal<this, string>(this);
  readonly connectionStatusChanged = new Signal<this, string>(this);
  readonly iopubMessage = new Signal<this, unknown>(this);
  readonly clientId = 'client-1';
  readonly username = 'me';
  isDisposed = false;
  /** The requests the kernel got on the comm (comm_msg data), in order. */
  readonly requests: KernelRequest[] = [];
  readonly opened: string[] = [];
  constructor(private readonly reply: (request: KernelRequest) => ReleaseReply) {}
  sendShellMessage(msg: { header: { msg_type: string }; content: { comm_id: string; target_name?: string; data: unknown } }) {
    const future = {
      onIOPub: (_msg: unknown) => undefined,
      done: Promise.resolve().then(() => {
        const { comm_id, data } = msg.content;
        if (msg.header.msg_type === 'comm_open') {
          this.opened.push(msg.content.target_name!);
          this.commId = comm_id;
          this.liveComms.add(comm_id);
        }
        // A comm opened in a process that has ended: the new process ignores its messages.
        if (msg.header.msg_type === 'comm_msg' && !this.liveComms.has(comm_id)) return {};
        if (msg.header.msg_type === 'comm_msg' && (data as KernelRequest).request === 'hold') {
          const answer = { reply: 'hold', plotterId: (data as KernelRequest).plotterId, known: true, renewMs: 60_000 };
          future.onIOPub({ header: { msg_type: 'comm_msg' }, content: { comm_id, data: answer } });
        }
        if (msg.header.msg_type === 'comm_msg') {
          this.requests.push(data as KernelRequest);
          // Releases are answered; a live view's subscription gets no answer here (the stream is
          // tested against a real kernel): the panel draws the payload's series.
          if ((data as KernelRequest).request === 'release') {
            const answer = { reply: 'release', ...this.reply(data as KernelRequest) };
            future.onIOPub({ header: { msg_type: 'comm_msg' }, content: { comm_id, data: answer } });
          }
        }
        return {};
      })
    };
    return future;
  }
  /** The kernel tells every comm of the extension something on its own. */
  tell(data: unknown): void {
    this.iopubMessage.emit({ header: { msg_type: 'comm_msg' }, content: { comm_id: this.commId, data } });
  }
  commId = '';
  /** Comms opened in the kernel's current process. */
  private readonly liveComms = new Set<string>();
  /** The kernel process is replaced (a restart): comms opened so far are gone with it. */
  restartProcess(): void {
    this.liveComms.clear();
  }
  dispose(): void {
    this.isDisposed = true;
  }
}

class FakeServices {
  running = [{ id: 'k-1', name: 'tslab' }];
  files = new Set<string>();
  reply = (_request: KernelRequest): ReleaseReply => ({
    plotterId: '100-abcd0123',
    outcome: 'closed',
    report: { ok: true, removed: [], failures: [] }
  });
  readonly connections: FakeKernelConnection[] = [];
  readonly runningChanged = new Signal<this, Array<{ id: string; name: string }>>(this);
  readonly eventStream = new Signal<this, Record<string, unknown>>(this);
  /**
   * What the Jupyter server's event stream says when any client restarts or shuts down kernel k-1.
   * A restart replaces the kernel's process first, unless the test did (`replaced`).
   */
  kernelAction(action: 'restart' | 'shutdown', { replaced = false } = {}): void {
    if (action === 'restart' && !replaced) for (const c of this.connections) c.restartProcess();
    this.eventStream.emit({
      schema_id: 'https://events.jupyter.org/jupyter_server/kernel_actions/v1',
      action,
      status: 'success',
      kernel_id: 'k-1'
    });
  }

  readonly services: PlotterServices = {
    kernels: {
      ready: Promise.resolve(),
      refreshRunning: async () => undefined,
      running: () => this.running[Symbol.iterator](),
      connectTo: () => {
        const c = new FakeKernelConnection(request => this.reply(request));
        this.connections.push(c);
        return c as never;
      },
      runningChanged: this.runningChanged as never
    } as never,
    contents: {
      // A server folder lists the files below it; a path that is neither gets a 404.
      get: async (path: string) => {
        if (this.files.has(path)) return { path, type: 'file' } as never;
        const prefix = path ? `${path}/` : '';
        const below = [...this.files].filter(f => f.startsWith(prefix));
        if (!below.length && path !== 'work') throw Object.assign(new Error('not found'), { response: { status: 404 } });
        const names = [...new Set(below.map(f => f.slice(prefix.length).split('/')[0]))];
        return { path, type: 'directory', content: names.map(name => ({ name, path: prefix + name })) } as never;
      }
    },
    events: { stream: this.eventStream as never }
  };
}

const resolver = {
  resolveUrl: async (url: string) => `work/${url}`,
  getDownloadUrl: async (path: string) => `/files/${path}?token=t`,
  isLocal: () => true
};

function panel(tracker: SessionTracker, mimeType = PLOTTER_MIME_TYPE): PlotterPanel {
  const r = new PlotterPanel({ mimeType, resolver, sanitizer: {} as never, linkHandler: null, latexTypesetter: null }, tracker);
  document.body.appendChild(r.node);
  return r;
}

const view = (r: PlotterPanel) => r.node.querySelector('mp-plotter-panel') as PlotterPanelElement;

describe('SessionTracker', () => {
  it('releases a view once its last output is gone for the release delay, not before', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 20);
    const p = payload();
    const first = tracker.attach(p, () => undefined);
    const second = tracker.attach(p, () => undefined); // the same view shown twice (e.g. a cell re-rendered)
    first.dispose();
    await new Promise(r => setTimeout(r, 40));
    expect(fake.connections.flatMap(c => c.requests.filter(r => r.request === 'release'))).toEqual([]);
    second.dispose();
    // Re-attached within the delay (a cell moved): nothing is released.
    const again = tracker.attach(p, () => undefined);
    await new Promise(r => setTimeout(r, 40));
    expect(fake.connections.flatMap(c => c.requests.filter(r => r.request === 'release'))).toEqual([]);
    again.dispose();
    await new Promise(r => setTimeout(r, 40));
    await settle();
    expect(fake.connections.flatMap(c => c.opened)).toEqual([KERNEL_COMM_TARGET]);
    expect(fake.connections.flatMap(c => c.requests.filter(r => r.request === 'release'))).toEqual([
      { request: 'release', plotterId: '100-abcd0123', viewId: 'v0' }
    ]);
    tracker.dispose();
  });

  it("on a page whose server lists no kernels (Voilà's): finds its kernel by id, subscribes for bundles, releases its views outright when the page goes for good, and hears of the kernel's end when its websocket drops and the server no longer knows it", async () => {
    const fake = new FakeServices();
    fake.running = []; // Voilà's page never polls the list
    let serverKnows = true;
    const services: PlotterServices = {
      ...fake.services,
      kernelById: async id => (serverKnows && id === 'k-1' ? ({ id, name: 'tslab' } as never) : null)
    };
    const tracker = new SessionTracker(services, () => undefined, 0, undefined, false);
    const ends: string[] = [];
    const p = payload();
    tracker.attach(p, why => ends.push(why));
    void tracker.subscribe(p, 100);
    await settle();
    expect(ends).toEqual([]);
    const requests = (): KernelRequest[] => fake.connections.flatMap(c => c.requests);
    expect(requests().find(r => r.request === 'subscribe')).toEqual({
      request: 'subscribe',
      plotterId: p.plotterId,
      viewId: 'v0',
      points: 100,
      bundles: true
    });
    tracker.leaving(true);
    await settle();
    expect(requests().filter(r => r.request === 'release' || r.request === 'leave')).toEqual([
      { request: 'release', plotterId: p.plotterId, viewId: 'v0' }
    ]);
    // A reconnect the server still knows the kernel for is no end; one it does not know it for is.
    fake.connections[0].connectionStatusChanged.emit('connecting');
    await settle();
    expect(ends).toEqual([]);
    serverKnows = false;
    fake.connections[0].connectionStatusChanged.emit('connecting');
    await settle();
    expect(ends).toEqual(['shut down']);
    tracker.dispose();
  });

  it('turns a failed cleanup in the release reply into a notification with the path', async () => {
    const fake = new FakeServices();
    const path = '/home/me/project/assets/metrics-plotter-100-abcd0123/rollout.mp4';
    fake.reply = () => ({
      plotterId: '100-abcd0123',
      outcome: 'closed',
      report: { ok: false, removed: [], failures: [{ path, reason: 'EPERM' }] }
    });
    const messages: string[] = [];
    const tracker = new SessionTracker(fake.services, (summary, details) => messages.push(summary, details), 0);
    await tracker.attach(payload(), () => undefined).dispose();
    await new Promise(r => setTimeout(r, 10));
    await settle();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toBe('metrics-plotter "CartPole": cleanup failed, 1 path left on disk. Delete by hand.');
    expect(messages[0].length).toBeLessThanOrEqual(140); // JupyterLab cuts longer toasts
    expect(messages[1]).toContain('cleanup failed');
    expect(messages[1]).toContain(path);
    expect(messages[1]).toContain('by hand');
    tracker.dispose();
  });

  it('hears restarts and shutdowns from the server, crashes from the kernel status', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const ends: string[] = [];
    tracker.attach(payload(), why => ends.push(`a:${why}`));
    await settle();
    fake.kernelAction('restart');
    // After the restart a new process (pid 200) shows a new plotter; the old pid stays ended.
    tracker.attach(payload({ kernel: { id: 'k-1', pid: 200, cwd: '/p' } }), why => ends.push(`b:${why}`));
    tracker.attach(payload(), why => ends.push(`old:${why}`));
    await settle();
    fake.connections.at(-1)!.statusChanged.emit('autorestarting');
    fake.running = [];
    fake.runningChanged.emit([]);
    expect(ends).toEqual(['a:restarted', 'old:restarted', 'b:died']);
    tracker.dispose();
  });

  it('an output of the new process that appeared before the server told of the restart stays live; the old one ends', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const ends: string[] = [];
    tracker.attach(payload(), why => ends.push(`old:${why}`));
    await settle();
    // The kernel restarted and the re-run cell shows a new plotter before the server's event comes.
    fake.connections.at(-1)!.restartProcess();
    const fresh = payload({ kernel: { id: 'k-1', pid: 200, cwd: '/p' }, plotterId: '200-abcd0123' });
    tracker.attach(fresh, why => ends.push(`new:${why}`));
    await settle();
    // Its hold went over a comm opened in the new process, and was answered there.
    expect(fake.connections.at(-1)!.requests).toContainEqual({ request: 'hold', plotterId: '200-abcd0123', viewId: 'v0' });
    fake.kernelAction('restart', { replaced: true });
    await settle();
    expect(ends).toEqual(['old:restarted']);
    tracker.dispose();
  });

  it('an output re-created after its kernel shut down still says "shut down"', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const ends: string[] = [];
    tracker.attach(payload(), why => ends.push(why));
    await settle();
    fake.running = [];
    fake.kernelAction('shutdown');
    tracker.attach(payload(), why => ends.push(`again:${why}`)); // JupyterLab re-rendered the output
    await settle();
    expect(ends).toEqual(['shut down', 'again:shut down']);
    tracker.dispose();
  });

  it('says an output is from an earlier session when its kernel is not running', async () => {
    const fake = new FakeServices();
    fake.running = [];
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const ends: string[] = [];
    tracker.attach(payload(), why => ends.push(why));
    await settle();
    expect(ends).toEqual(['earlier session']);
    tracker.dispose();
  });
});

describe('PlotterPanel', () => {
  afterEach(() => (document.body.innerHTML = ''));

  it('still renders a version 1 output saved in an existing notebook: its videos as media at step 0', async () => {
    const fake = new FakeServices();
    const { media, ...rest } = payload();
    const v1 = { ...rest, version: 1, videos: media.map(({ kind: _kind, step: _step, ...v }) => v) };
    fake.files.add(`work/${media[0].path}`);
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker, PLOTTER_MIME_TYPE_V1);
    await r.renderModel(mimeModel(v1, PLOTTER_MIME_TYPE_V1));
    await settle();
    expect(view(r).querySelectorAll('mp-metric-chart')).toHaveLength(2);
    expect(view(r).querySelector('.mp-media-step')?.textContent).toBe('step 0');
    expect(view(r).querySelector('video')?.getAttribute('src')).toBe(`/files/work/${media[0].path}?token=t`);
    r.dispose();
    tracker.dispose();
  });

  it('plays a live video from the server URL the notebook resolver gives', async () => {
    const fake = new FakeServices();
    const p = payload();
    fake.files.add(`work/${p.media[0].path}`);
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(p));
    await settle();
    expect(view(r).querySelector('video')?.getAttribute('src')).toBe(`/files/work/${p.media[0].path}?token=t`);
    r.dispose();
    tracker.dispose();
  });

  it('after a restart shows the ended state, and the exact path of a file still on disk', async () => {
    const fake = new FakeServices();
    const p = payload();
    const serverPath = `work/${p.media[0].path}`;
    fake.files.add(serverPath);
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(p));
    await settle();
    fake.kernelAction('restart');
    await settle();
    expect(view(r).querySelector('.mp-failure')?.textContent).toContain(p.media[0].absolutePath);
    expect(view(r).querySelector('video')).toBeNull();

    // The next process's plotter, then a shutdown that removed its file: the plain ended state.
    const r2 = panel(tracker);
    await r2.renderModel(mimeModel(payload({ kernel: { id: 'k-1', pid: 300, cwd: '/p' } })));
    await settle();
    expect(view(r2).querySelector('.mp-state')?.textContent).toBe('Live');
    fake.files.delete(serverPath);
    fake.kernelAction('shutdown');
    await settle();
    expect(view(r2).querySelector('.mp-state')?.textContent).toBe(
      'Session ended (the kernel was shut down); its video was removed.'
    );
    r.dispose();
    r2.dispose();
    tracker.dispose();
  });

  it("a file left after a shutdown is reported with the kernel's own reason when the kernel got its report out", async () => {
    const fake = new FakeServices();
    const p = payload();
    fake.files.add(`work/${p.media[0].path}`);
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(p));
    await settle();
    // The output opened the comm at once, so the kernel can tell it how the session ended.
    expect(fake.connections.flatMap(c => c.opened)).toEqual([KERNEL_COMM_TARGET]);
    fake.connections[0].tell({
      event: 'ended',
      plotterId: p.plotterId,
      report: { ok: false, removed: [], failures: [{ path: p.media[0].absolutePath, reason: 'EACCES: permission denied' }] }
    });
    fake.kernelAction('shutdown');
    await settle();
    const failure = view(r).querySelector('.mp-failure')?.textContent ?? '';
    expect(failure).toContain(p.media[0].absolutePath);
    expect(failure).toContain('EACCES: permission denied');
    r.dispose();
    tracker.dispose();
  });

  it("two outputs of one view share the kernel's stream: one going away does not stop the other's", async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const [a, b] = [panel(tracker), panel(tracker)];
    await a.renderModel(mimeModel(payload()));
    await b.renderModel(mimeModel(payload()));
    await settle();
    const kinds = () => fake.connections.flatMap(c => c.requests.map(r => r.request));
    expect(kinds().filter(k => k === 'subscribe')).toHaveLength(2);
    a.dispose();
    await settle();
    expect(kinds()).not.toContain('unsubscribe');
    b.dispose();
    await settle();
    expect(kinds().filter(k => k === 'unsubscribe')).toHaveLength(1);
    tracker.dispose();
  });

  it('shows plotter.close() from the payload, with the kernel report', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    const p: PlotterPayload = payload({ state: 'closed', cleanup: { ok: true, removed: ['x'], failures: [] } });
    await r.renderModel(mimeModel(p));
    await settle();
    expect(view(r).querySelector('.mp-state')?.textContent).toBe(
      'Session ended (plotter.close() was called); its video was removed.'
    );
    expect(view(r).textContent).toContain('Removed when the session ended.');
    r.dispose();
    tracker.dispose();
  });

  it('a live output updated to closed (plotter.close()) sends no release when it goes away', async () => {
    const fake = new FakeServices();
    const p = payload();
    fake.files.add(`work/${p.media[0].path}`);
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(p));
    await r.renderModel(mimeModel(payload({ state: 'closed', cleanup: { ok: true, removed: [], failures: [] } })));
    r.dispose();
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(fake.connections.flatMap(c => c.requests.filter(r => r.request === 'release'))).toEqual([]);
    tracker.dispose();
  });

  it('a reopened notebook whose videos are gone says so instead of looking live', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(payload()));
    await settle();
    expect(view(r).querySelector('.mp-state')?.textContent).toContain('checking its files');
    await new Promise(resolve => setTimeout(resolve, EARLIER_SESSION_GRACE_MS + 50)); // no server event came
    await settle();
    expect(view(r).querySelector('.mp-state')?.textContent).toBe(
      'Session ended (this output is from an earlier session); its video was removed.'
    );
    // Its charts still render from the payload.
    expect(view(r).querySelectorAll('mp-metric-chart')).toHaveLength(2);
    r.dispose();
    tracker.dispose();
  });

  it('an output re-created just as its kernel shuts down (files already gone) learns the real reason', async () => {
    const fake = new FakeServices();
    const tracker = new SessionTracker(fake.services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel(mimeModel(payload())); // the kernel removed the files at its shutdown request
    await settle();
    fake.running = [];
    fake.kernelAction('shutdown');
    await settle();
    expect(view(r).querySelector('.mp-state')?.textContent).toBe(
      'Session ended (the kernel was shut down); its video was removed.'
    );
    r.dispose();
    tracker.dispose();
  });

  it('an output of another version gets a readable message', async () => {
    const tracker = new SessionTracker(new FakeServices().services, () => undefined, 0);
    const r = panel(tracker);
    await r.renderModel({
      data: { [PLOTTER_MIME_TYPE]: { protocol: 'metrics-plotter', version: 99 } },
      metadata: {},
      trusted: true,
      setData: () => undefined
    } as never);
    expect(r.node.textContent).toContain('different version of metrics-plotter');
    tracker.dispose();
  });
});

describe('KernelChannel on a connection that cannot carry binary frames', () => {
  test('only a connection that negotiated the v1 protocol is told to take binary frames; unknown gets text', () => {
    expect(carriesBinary({ _selectedProtocol: 'v1.kernel.websocket.jupyter.org' })).toBe(true);
    expect(carriesBinary({ _selectedProtocol: '' })).toBe(false); // the legacy protocol: behind a gateway
    expect(carriesBinary({})).toBe(false);
  });

  test('buffers the kernel sent as base64 text read as the same bytes as binary ones; binary ones pass as they are', () => {
    const bytes = new Float64Array([1, -2.5, 1e300]);
    const text = Buffer.from(bytes.buffer).toString('base64');
    const [read] = messageBuffers({ event: 'points', [TEXT_BUFFERS]: [text] }, []);
    expect(Array.from(new Float64Array((read as Uint8Array).slice().buffer))).toEqual([1, -2.5, 1e300]);
    const binary = [new DataView(bytes.buffer)];
    expect(messageBuffers({ event: 'points' }, binary)).toBe(binary);
  });
});

describe('mediaFromKernel', () => {
  const entry = { ...payload().media[0] };
  /** A kernel that holds `file` for the entry's path, answering media requests as the kernel side does. */
  const kernelWith = (file: Uint8Array | 'removed') => ({
    asked: [] as number[],
    ask(_: unknown, request: KernelRequest) {
      if (request.request !== 'media') return Promise.resolve(null);
      this.asked.push(request.offset);
      const state: MediaFileState = file === 'removed' ? 'removed' : 'present';
      const bytes = file === 'removed' ? new Uint8Array(0) : file.slice(request.offset, request.offset + 4);
      const size = file === 'removed' ? 0 : file.length;
      return Promise.resolve({
        data: { reply: 'media' as const, plotterId: 'p', known: true, path: request.path, state, size, offset: request.offset },
        buffers: bytes.length ? [bytes] : []
      });
    }
  });

  test('a file comes in chunks, asked for offset by offset, as one blob of its kind', async () => {
    const kernel = kernelWith(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const blob = await mediaFromKernel(kernel, payload(), entry);
    expect(blob).toBeInstanceOf(Blob);
    expect((blob as Blob).size).toBe(10);
    expect((blob as Blob).type).toBe(entry.kind === 'video' ? 'video/mp4' : 'image/png');
    expect(kernel.asked).toEqual([0, 4, 8]);
  });

  test('the kernel\'s word that a file is gone is "removed"; no live kernel is null', async () => {
    expect(await mediaFromKernel(kernelWith('removed'), payload(), entry)).toBe('removed');
    expect(await mediaFromKernel({ ask: () => Promise.resolve(null) }, payload(), entry)).toBeNull();
  });
});
