/** Media entries as the cards show them: one media name's entries in step order, per run or across runs. */
import { runField, runOf, seriesKey, type MediaEntry } from '../../protocol';

/** One media name's entries (of one run, or of every run), in step order: what one card shows. */
export interface MediaSeries {
  name: string;
  /** The run; absent: the default run (or every run, with `runs`). */
  run?: string;
  /** A card across runs: its runs, in run order; the card shows a tile per run at the chosen step. */
  runs?: string[];
  kind: MediaEntry['kind'];
  entries: MediaEntry[];
}

/** Media entries grouped by run and name (in order of first appearance), each sorted by step. */
export function groupMedia(media: readonly MediaEntry[]): MediaSeries[] {
  const byName = new Map<string, MediaSeries>();
  for (const e of media) {
    const key = seriesKey(e);
    const s = byName.get(key) ?? { name: e.name, ...runField(e.run), kind: e.kind, entries: [] };
    s.entries.push(e);
    byName.set(key, s);
  }
  for (const s of byName.values()) s.entries.sort((a, b) => a.step - b.step);
  return [...byName.values()];
}

/**
 * Media entries grouped by name across runs (in order of first appearance), each sorted by step:
 * one card per name, a tile per run (the runs in `runOrder`'s order).
 */
export function groupMediaAcrossRuns(media: readonly MediaEntry[], runOrder: readonly string[]): MediaSeries[] {
  const place = new Map(runOrder.map((r, i) => [r, i]));
  const byName = new Map<string, MediaSeries>();
  for (const e of media) {
    const card = byName.get(e.name) ?? { name: e.name, kind: e.kind, entries: [] };
    card.entries.push(e);
    byName.set(e.name, card);
  }
  return [...byName.values()].map(card => ({
    ...card,
    entries: card.entries.sort((a, b) => a.step - b.step),
    runs: [...new Set(card.entries.map(runOf))].sort((a, b) => (place.get(a) ?? 0) - (place.get(b) ?? 0))
  }));
}

/** The index of the entry at the largest step ≤ `step` (the first entry when all are later). */
export function entryAtOrBefore(entries: readonly MediaEntry[], step: number): number {
  let found = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i].step <= step) found = i;
  return found;
}
