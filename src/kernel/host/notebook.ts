/**
 * The notebook, as the plotter's parts reach it: outputs displayed and updated in place, whether
 * there is a notebook at all, and the kernel's id. Only this folder (host/) knows which kernel that
 * is (tslab, through tslab-bridge.ts, or Deno's, through deno-bridge.ts); see docs/architecture.md.
 */
import * as fs from 'fs';
import { PUSHED_POINTS_COMM_ID } from '../../protocol';
import { denoJupyter, denoKernelCommandLine, runningInDeno } from './deno-bridge';
import { textFrames, type PageComm } from './page-comm';
import { runningInTslab, tslabDisplayWriter, type WriteDisplayData } from './tslab-bridge';

/** True inside a notebook kernel this package can display in (tslab or Deno's). */
export function inNotebook(): boolean {
  return runningInTslab() || runningInDeno();
}

/**
 * The name of this kernel when a page cannot send to it (Deno's: docs/deno.md), null when it can.
 * Outputs say what that costs: no release when an output is cleared, no detail on zoom.
 */
export function oneWayKernel(): string | null {
  return runningInDeno() ? 'Deno' : null;
}

/**
 * Where a one-way kernel pushes the live stream: comm_msg on PUSHED_POINTS_COMM_ID, broadcast to
 * every page of the kernel (see src/protocol), buffers as text; null in a kernel pages can
 * subscribe to.
 */
export function pushedPointsChannel(): PageComm | null {
  const deno = denoJupyter();
  if (!deno) return null;
  let failed = false;
  return textFrames({
    closed: false,
    send(data) {
      void Promise.resolve(deno.broadcast('comm_msg', { comm_id: PUSHED_POINTS_COMM_ID, data })).catch((err: unknown) => {
        // Once: a failing broadcast fails on every update, and the display still carries the points.
        if (!failed) console.error(`metrics-plotter: live points could not be pushed to the page: ${String(err)}`);
        failed = true;
      });
      return true;
    }
  });
}

/** The Jupyter kernel id, read from the connection file name Jupyter passes (kernel-<id>.json). */
export function kernelIdFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    const m = /kernel-([0-9A-Za-z-]+)\.json$/.exec(arg);
    if (m) return m[1];
  }
  return null;
}

let knownKernelId: string | null | undefined;

/**
 * This kernel's Jupyter id; null when it cannot be known (then pages treat its outputs as saved ones).
 * Read once: it is fixed for the process, and every payload asks for it (under Deno, a file read).
 */
export function kernelId(): string | null {
  if (knownKernelId === undefined) {
    knownKernelId = kernelIdFromArgv(
      runningInDeno() ? denoKernelCommandLine(file => fs.readFileSync(file, 'utf8')) : process.argv
    );
  }
  return knownKernelId;
}

/** The writer of display_data and update_display_data messages of the kernel this runs in; null outside one. */
function displayWriter(): WriteDisplayData | null {
  const tslab = tslabDisplayWriter();
  if (tslab) return tslab;
  const deno = denoJupyter();
  if (!deno) return null;
  return ({ data, transient }, update) => {
    // Deno sends it on its own; a failure has nowhere better to go than the kernel's log.
    void Promise.resolve(deno.display(data, { raw: true, update, display_id: transient.display_id })).catch((err: unknown) =>
      console.error(`metrics-plotter: an output could not be sent: ${String(err)}`)
    );
  };
}

let nextId = 0;

/** One output in the notebook, updatable in place (display_data, then update_display_data). */
export class KernelDisplay {
  readonly id = `metrics-plotter-${process.pid}-${Date.now().toString(36)}-${nextId++}`;
  private sent = false;

  /** Sends (or updates) the output; false when there is no notebook to send to. */
  send(bundle: Record<string, unknown>): boolean {
    const write = displayWriter();
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
    if (this.sent) displayWriter()?.({ data: {}, metadata: {}, transient: { display_id: this.id } }, true);
  }
}
