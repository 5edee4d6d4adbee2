/**
 * Which pages show which views, as leases: a page holds a view while it renews its hold, and a page
 * that stops (its tab closed or crashed, its machine gone) loses its holds when they run out. A
 * plotter none of whose views any page holds is "unwatched" (its files go; see docs/cleanup.md,
 * "Pages that go away"). Pure state and transitions over an injected clock; the registry runs the
 * timer and acts on what they return.
 */

/** How long a page's hold lasts without renewal (METRICS_PLOTTER_LEASE_SECONDS overrides it). */
export const LEASE_MS = 90_000;
/** A page renews its holds this many times per lease (Chromium may run a hidden page's timers once a minute). */
export const RENEWALS_PER_LEASE = 6;
/** The share of a lease a page that said it is leaving keeps its holds: a reload comes back within it. */
export const LEAVING_SHARE_OF_LEASE = 1 / 4;
/** How often the registry looks for leases that ran out. */
export const CHECKS_PER_LEASE = 9;

/** The lease the kernel grants, from the environment (tests shorten it) or the default. */
export function leaseMs(env: Record<string, string | undefined> = process.env): number {
  const seconds = Number(env.METRICS_PLOTTER_LEASE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : LEASE_MS;
}

export interface HeldView {
  plotterId: string;
  viewId: string;
}

const keyOf = (v: HeldView): string => `${v.plotterId}\u0000${v.viewId}`;

export class ViewLeases<Page> {
  /** The pages holding each view, with when each page's hold runs out. */
  private readonly holders = new Map<string, { view: HeldView; until: Map<Page, number> }>();

  constructor(readonly leaseMs: number) {}

  get renewMs(): number {
    return Math.floor(this.leaseMs / RENEWALS_PER_LEASE);
  }

  get checkMs(): number {
    return Math.floor(this.leaseMs / CHECKS_PER_LEASE);
  }

  /** Whether any page holds a view of the plotter now. */
  watched(plotterId: string, now: number): boolean {
    for (const { view, until } of this.holders.values()) {
      if (view.plotterId === plotterId && [...until.values()].some(t => t > now)) return true;
    }
    return false;
  }

  /** The page shows the view: its hold lasts a lease from now. */
  hold(page: Page, view: HeldView, now: number): void {
    const key = keyOf(view);
    const held = this.holders.get(key) ?? {
      view: { plotterId: view.plotterId, viewId: view.viewId },
      until: new Map<Page, number>()
    };
    held.until.set(page, now + this.leaseMs);
    this.holders.set(key, held);
  }

  /** The page is going away: its hold on the view ends soon, unless renewed. */
  leave(page: Page, view: HeldView, now: number): void {
    const until = this.holders.get(keyOf(view))?.until;
    const t = until?.get(page);
    if (until && t !== undefined) until.set(page, Math.min(t, now + this.leaseMs * LEAVING_SHARE_OF_LEASE));
  }

  /** Every hold of a page whose comm closed ends soon, as if it left. */
  leaveAll(page: Page, now: number): void {
    for (const { view } of [...this.holders.values()]) this.leave(page, view, now);
  }

  /**
   * The page no longer shows the view. Whether another page still holds it (then it stays); a view
   * no page held is let go (a page of an older extension releases without holding).
   */
  letGo(page: Page, view: HeldView, now: number): { heldElsewhere: boolean } {
    const held = this.holders.get(keyOf(view));
    if (!held) return { heldElsewhere: false };
    held.until.delete(page);
    const heldElsewhere = [...held.until.values()].some(t => t > now);
    if (!heldElsewhere) this.holders.delete(keyOf(view));
    return { heldElsewhere };
  }

  /** Drops the holds that ran out; the plotters that had a page holding one of their views and have none now. */
  expire(now: number): string[] {
    const heldBy = (): Set<string> =>
      new Set([...this.holders.values()].filter(h => h.until.size > 0).map(h => h.view.plotterId));
    const before = heldBy();
    for (const { until } of this.holders.values()) {
      for (const [page, t] of [...until]) if (t <= now) until.delete(page);
    }
    const after = heldBy();
    return [...before].filter(id => !after.has(id));
  }

  /** The kernel could not hear for `ms` (a cell's synchronous code held the event loop): that time does not count. */
  extend(ms: number): void {
    for (const { until } of this.holders.values()) for (const [page, t] of until) until.set(page, t + ms);
  }

  /** The plotter's session ended: its views need no holds. */
  forget(plotterId: string): void {
    for (const [key, { view }] of [...this.holders]) if (view.plotterId === plotterId) this.holders.delete(key);
  }
}
