/** The config keys of a plotter's runs: every key, or those whose values differ (the runs table's columns). */
import type { RunInfo } from '../../protocol';

/** The configs' keys whose values differ between runs (the runs table's default columns). */
export function differingConfigKeys(runs: readonly RunInfo[]): string[] {
  const keys = [...new Set(runs.flatMap(r => Object.keys(r.config)))];
  return keys.filter(k => new Set(runs.map(r => JSON.stringify(r.config[k] ?? null))).size > 1);
}

/** Every config key of any run, in first-seen order. */
export function allConfigKeys(runs: readonly RunInfo[]): string[] {
  return [...new Set(runs.flatMap(r => Object.keys(r.config)))];
}
