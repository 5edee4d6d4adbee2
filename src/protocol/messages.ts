/** The words outputs say to a person, the same in the cell, the panel, the fallbacks and the server's log. */
import type { CleanupFailure, MemoryBound, WatchedLogdir } from './payload';

/** What an output says once its plotter reached its memory bound (the panel, the text and HTML summaries). */
export function memoryBoundMessage(bound: MemoryBound): string {
  const mb = Math.round(bound.bytes / 2 ** 20).toLocaleString('en');
  return (
    `Memory bound reached (${mb} MB of points): ${bound.mergedPoints.toLocaleString('en')} older points are merged ` +
    "into min/max buckets (each bucket's smallest and largest value kept). A larger memoryBoundMB keeps more detail."
  );
}

/** What a watched log directory's output says: what was read, what was skipped or not shown. */
export function watchedLogdirMessage(w: WatchedLogdir): string {
  const parts = [`${w.following ? 'Watching' : 'Read from'} ${w.logdir}: ${w.runs} run${w.runs === 1 ? '' : 's'}.`];
  if (w.corruptRecords)
    parts.push(
      `${w.corruptRecords.toLocaleString('en')} corrupt record${w.corruptRecords === 1 ? ' was' : 's were'} skipped (CRC mismatch).`
    );
  const notShown = Object.entries(w.notShown).filter(([, n]) => n > 0);
  if (notShown.length) parts.push(`Not shown: ${notShown.map(([kind, n]) => `${n.toLocaleString('en')} ${kind}`).join(', ')}.`);
  if (w.problems)
    parts.push(
      `${w.problems} problem${w.problems === 1 ? '' : 's'} reading it: said in the cell or the server's log, listed in the watch's problems.`
    );
  return parts.join(' ');
}

/** The words every user-facing cleanup failure uses, in the cell, on stderr, or as a notification. */
export function cleanupFailureMessage(failures: CleanupFailure[]): string {
  const lines = failures.map(f => `  ${f.path}  (${f.reason})`);
  return [
    `metrics-plotter: cleanup failed. ${failures.length === 1 ? 'This path was' : 'These paths were'} left on disk:`,
    ...lines,
    'Please delete ' + (failures.length === 1 ? 'it' : 'them') + ' by hand (for example: rm -rf <path>).'
  ].join('\n');
}
