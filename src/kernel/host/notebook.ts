/**
 * The notebook, as the plotter's parts reach it: outputs displayed and updated in place, whether
 * there is a notebook at all, and the kernel's id. Only this folder (host/) knows which kernel that
 * is (tslab, through tslab-bridge.ts); see docs/architecture.md.
 */
import { runningInTslab, tslabDisplayWriter } from './tslab-bridge';

/** True inside a notebook kernel this package can display in (tslab). */
export function inNotebook(): boolean {
  return runningInTslab();
}

/** The Jupyter kernel id, read from the connection file name Jupyter passes (kernel-<id>.json). */
export function kernelIdFromArgv(argv: readonly string[] = process.argv): string | null {
  for (const arg of argv) {
    const m = /kernel-([0-9A-Za-z-]+)\.json$/.exec(arg);
    if (m) return m[1];
  }
  return null;
}

let nextId = 0;

/** One output in the notebook, updatable in place (display_data, then update_display_data). */
export class KernelDisplay {
  readonly id = `metrics-plotter-${process.pid}-${Date.now().toString(36)}-${nextId++}`;
  private sent = false;

  /** Sends (or updates) the output; false when there is no notebook to send to. */
  send(bundle: Record<string, unknown>): boolean {
    const write = tslabDisplayWriter();
    if (!write) return false;
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.sent);
    this.sent = true;
    return true;
  }

  /**
   * Empties the output once sent: an update with no data, which frontends show as nothing (and a
   * saved notebook keeps as nothing). For what is only worth seeing while it happens.
   */
  clear(): void {
    if (this.sent) tslabDisplayWriter()?.({ data: {}, metadata: {}, transient: { display_id: this.id } }, true);
  }
}
