/**
 * Runs: one plotter can hold several runs of an experiment (a sweep, seeds), each with its config.
 * Series and media name the run they belong to; absent, they belong to the default run (the
 * plotter's own logging), so outputs without runs read as one run.
 */
export const DEFAULT_RUN = '';
/** A run's hyperparameters (learning rate, seed…): flat, numbers, strings and booleans. */
export type RunConfig = Record<string, number | string | boolean>;
/**
 * `watched`: read from a TensorBoard log directory (`watch()`), whose event files say nothing of
 * whether their job still runs.
 */
export type RunStatus = 'running' | 'finished' | 'failed' | 'watched';
export interface RunInfo {
  /** DEFAULT_RUN for the plotter's own logging. */
  name: string;
  config: RunConfig;
  status: RunStatus;
}

/** The run an item (a series, a media entry) belongs to: the default run's items carry no `run` field. */
export function runOf(item: { run?: string }): string {
  return item.run ?? DEFAULT_RUN;
}

/** The `run` field an item of `run` carries: none for the default run. */
export function runField(run: string | undefined): { run?: string } {
  return run ? { run } : {};
}

/** How a run is called where a person reads it. */
export function runLabel(run: string | undefined): string {
  return run ? run : 'default';
}

/** One series (or media name) of one run: the key both sides keep it under. The default run's key is the name. */
export function seriesKey(item: { name: string; run?: string }): string {
  return item.run ? `${item.run}\u0000${item.name}` : item.name;
}
