/**
 * The run under the pointer, highlighted everywhere at once: the charts, the runs table and the
 * sweep view send RUN_HIGHLIGHT_EVENT as the pointer comes to a run's line or row (and null as it
 * leaves); the panel owns which run it is and hands it to each.
 */
import { inRunGroup } from './aggregate';

/** Sent (bubbling) with the run's name, or null. */
export const RUN_HIGHLIGHT_EVENT = 'mp-run-highlight';

export interface RunHighlight {
  run: string;
  /** With grouped runs: the label of the run group it is in (its mean and band are highlighted with it). */
  group: string | null;
}

/** Whether a drawn line belongs to the highlighted run: its own, or its group's mean and band. */
export function isHighlighted(line: { run?: string; runGroup?: string; role?: string }, h: RunHighlight): boolean {
  if (line.role === 'member' || !line.role) return (line.run ?? '') === h.run;
  // A baseline is what the highlighted run is read against: it stays lit.
  if (line.role === 'baseline') return true;
  return h.group !== null && inRunGroup(line.runGroup, h.group);
}

export function highlightEvent(run: string | null): CustomEvent<string | null> {
  return new CustomEvent(RUN_HIGHLIGHT_EVENT, { detail: run, bubbles: true, composed: true });
}
