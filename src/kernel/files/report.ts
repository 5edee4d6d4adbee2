/** Building the cleanup report (src/protocol's CleanupReport) as files are removed or kept. */
import type { CleanupReport } from '../../protocol';

export function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : String(err);
}

export function emptyReport(): CleanupReport {
  return { ok: true, removed: [], failures: [], kept: [] };
}

export function mergeInto(target: CleanupReport, other: CleanupReport): CleanupReport {
  target.removed.push(...other.removed);
  target.failures.push(...other.failures);
  (target.kept ??= []).push(...(other.kept ?? []));
  target.ok = target.failures.length === 0;
  return target;
}

export function keep(report: CleanupReport, file: string, reason: string): void {
  (report.kept ??= []).push({ path: file, reason });
}
