/**
 * The kernel registry answering a page's requests (host/extension-requests.ts → host/registry.ts),
 * over a fake clock and a stand-in watchdog: which page holds which view, what a release does when
 * another page still shows it, a silent page's hold running out on the registry's own timer, and
 * the requests routed to the plotter they name or answered as unknown.
 */
import type { CleanupReport, ReleaseReply } from '../../src/protocol';
import type { Answer, ManagedPlotter, PlotterRequest } from '../../src/kernel/host/contracts';
import { answerRequest } from '../../src/kernel/host/extension-requests';
import type { PageComm } from '../../src/kernel/host/page-comm';
import { KernelRegistry, type Watchdog } from '../../src/kernel/host/registry';
import { LEASE_MS } from '../../src/kernel/host/view-leases';

/** A plotter as the registry sees it, recording what it was told. */
class FakePlotter implements ManagedPlotter {
  readonly told: string[] = [];
  readonly root = '/tmp/notebook';
  constructor(readonly id: string) {}
  releaseView(viewId: string): ReleaseReply {
    this.told.push(`release ${viewId}`);
    return { plotterId: this.id, outcome: 'closed', report: { ok: true, removed: [], failures: [] } };
  }
  setWatched(watched: boolean): void {
    this.told.push(watched ? 'watched' : 'unwatched');
  }
  answer(request: PlotterRequest): Answer {
    this.told.push(`answer ${request.request}`);
    return { data: { reply: 'unsubscribe', plotterId: this.id }, buffers: [] };
  }
  dropComm(): void {
    this.told.push('comm dropped');
  }
  widgetsRendered(): void {
    this.told.push('widgets');
  }
  endAtExit(): CleanupReport {
    this.told.push('end at exit');
    return { ok: true, removed: [], failures: [] };
  }
  interruptEncodes(): void {
    this.told.push('interrupt');
  }
}

/** A page's comm that keeps what the kernel sent it. */
function page(): PageComm & { sent: Array<Record<string, unknown>> } {
  const sent: Array<Record<string, unknown>> = [];
  return {
    sent,
    closed: false,
    send(data) {
      sent.push(data);
      return true;
    }
  };
}

describe('the kernel registry answering requests', () => {
  let now = 0;
  let watched: string[] = [];
  let registry: KernelRegistry;
  const watchdog: Watchdog = { pid: 4242, watch: root => watched.push(root) };
  /** The clock and the registry's timers move together. */
  const advance = (ms: number): void => {
    for (let step = 0; step < ms; step += 1000) {
      now += 1000;
      jest.advanceTimersByTime(1000);
    }
  };

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    watched = [];
    registry = new KernelRegistry(
      () => now,
      () => watchdog
    );
  });
  afterEach(() => jest.useRealTimers());

  test('a plotter added is watched by the kernel watchdog in its folder', () => {
    registry.add(new FakePlotter('p'));
    expect(watched).toEqual(['/tmp/notebook']);
    expect(registry.watchdogPid).toBe(4242);
  });

  test('a hold of a known plotter is granted with how often to renew it; an unknown one is not', () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const a = page();
    const held = answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, a);
    expect(held.data).toEqual({ reply: 'hold', plotterId: 'p', known: true, renewMs: LEASE_MS / 6 });
    expect(plotter.told).toEqual(['watched']);
    const unknown = answerRequest(registry, { request: 'hold', plotterId: 'gone', viewId: 'v0' }, a);
    expect(unknown.data).toEqual({ reply: 'hold', plotterId: 'gone', known: false, renewMs: LEASE_MS / 6 });
  });

  test('a release while another page holds the view keeps it; the last page to release closes it', () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const [a, b] = [page(), page()];
    answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, a);
    answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, b);
    advance(1000);
    expect(answerRequest(registry, { request: 'release', plotterId: 'p', viewId: 'v0' }, a).data).toEqual({
      reply: 'release',
      plotterId: 'p',
      outcome: 'kept'
    });
    expect(answerRequest(registry, { request: 'release', plotterId: 'p', viewId: 'v0' }, b).data).toMatchObject({
      reply: 'release',
      outcome: 'closed'
    });
    expect(plotter.told).toEqual(['watched', 'watched', 'release v0']);
    expect(answerRequest(registry, { request: 'release', plotterId: 'q', viewId: 'v0' }, b).data).toEqual({
      reply: 'release',
      plotterId: 'q',
      outcome: 'unknown'
    });
  });

  test("a silent page's hold runs out on the registry's timer and the plotter is unwatched; renewing keeps it", () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const a = page();
    const hold = () => answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, a);
    hold();
    // Renewed as the reply says, it stays watched through three leases.
    for (let t = 0; t < 3 * LEASE_MS; t += LEASE_MS / 6) {
      advance(LEASE_MS / 6);
      hold();
    }
    expect(plotter.told.filter(t => t === 'unwatched')).toEqual([]);
    // Then silent: unwatched once a lease (and a check) has passed, and told once.
    advance(LEASE_MS + LEASE_MS / 9 + 1000);
    expect(plotter.told.filter(t => t === 'unwatched')).toHaveLength(1);
    advance(LEASE_MS);
    expect(plotter.told.filter(t => t === 'unwatched')).toHaveLength(1);
  });

  test('a page that says it is leaving lets go of its views a quarter of a lease later, unless it comes back', () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const a = page();
    answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, a);
    expect(answerRequest(registry, { request: 'leave', plotterId: 'p', viewId: 'v0' }, a).data).toEqual({
      reply: 'leave',
      plotterId: 'p'
    });
    advance(LEASE_MS / 4 + LEASE_MS / 9 + 1000);
    expect(plotter.told).toContain('unwatched');
    // Reloaded: the new page holds it again before the quarter is over, and it stays watched.
    const other = new FakePlotter('q');
    registry.add(other);
    answerRequest(registry, { request: 'hold', plotterId: 'q', viewId: 'v0' }, a);
    answerRequest(registry, { request: 'leave', plotterId: 'q', viewId: 'v0' }, a);
    advance(LEASE_MS / 8);
    answerRequest(registry, { request: 'hold', plotterId: 'q', viewId: 'v0' }, page());
    advance(LEASE_MS / 2);
    expect(other.told).not.toContain('unwatched');
  });

  test('requests about a plotter go to it; about one this process does not know, they are answered as unknown', () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const a = page();
    answerRequest(registry, { request: 'unsubscribe', plotterId: 'p', viewId: 'v0' }, a);
    expect(plotter.told).toEqual(['answer unsubscribe']);
    expect(answerRequest(registry, { request: 'subscribe', plotterId: 'x', viewId: 'v0', points: 100 }, a).data).toEqual({
      reply: 'subscribe',
      plotterId: 'x',
      known: false,
      startedAt: null,
      series: []
    });
    expect(answerRequest(registry, { request: 'media', plotterId: 'x', path: 'assets/a.mp4', offset: 0 }, a).data).toMatchObject({
      reply: 'media',
      known: false,
      state: 'removed'
    });
    expect(answerRequest(registry, { request: 'keep', plotterId: 'x', path: 'assets/a.mp4' }, a).data).toMatchObject({
      reply: 'keep',
      error: expect.stringMatching(/closed/)
    });
  });

  test("a plotter's end is told to every page; a page that detaches has its comm dropped by every plotter", () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    const [a, b] = [page(), page()];
    registry.pageAttached(a, false);
    registry.pageAttached(b, true);
    expect(plotter.told).toEqual(['widgets']);
    expect(registry.rendersWidgets).toBe(true);
    const report = { ok: true, removed: ['/tmp/notebook/assets/x.mp4'], failures: [] };
    registry.ended(plotter, report);
    expect(a.sent).toEqual([{ event: 'ended', plotterId: 'p', report }]);
    expect(b.sent).toEqual(a.sent);
    expect(registry.plotter('p')).toBeUndefined();
    const other = new FakePlotter('q');
    registry.add(other);
    registry.pageDetached(b);
    expect(other.told).toEqual(['comm dropped']);
    expect(registry.rendersWidgets).toBe(false);
  });

  test('a cell that held the event loop does not cost a page its hold: the late check extends every lease', () => {
    const plotter = new FakePlotter('p');
    registry.add(plotter);
    answerRequest(registry, { request: 'hold', plotterId: 'p', viewId: 'v0' }, page());
    // The clock jumps two leases while no timer could run (a long synchronous cell).
    now += 2 * LEASE_MS;
    jest.advanceTimersByTime(LEASE_MS / 9);
    expect(plotter.told).not.toContain('unwatched');
  });
});
