/**
 * The runs of one plotter: their names, configs and statuses, in the order they began (which is
 * their colour order in every output). The default run (DEFAULT_RUN) is the plotter's own logging;
 * it is listed once anything was logged to it.
 */
import { DEFAULT_RUN, type RunConfig, type RunInfo, type RunStatus } from '../../protocol';
import { InputError } from '../input';

export class Runs {
  private readonly runs = new Map<string, { config: RunConfig; status: RunStatus }>();

  /** `onChange`: called when a run begins (or is named again) or ends; the plotter's outputs hear of it. */
  constructor(private readonly onChange: () => void = () => undefined) {}

  /**
   * The run of that name, begun now if it is new. Asked again with a different config, it refuses
   * (a run's config says what produced its data); without a config, any config matches.
   */
  begin(name: string, config: RunConfig | undefined, status: 'running' | 'watched' = 'running'): void {
    const known = this.runs.get(name);
    if (!known) this.runs.set(name, { config: config ?? {}, status });
    else if (config !== undefined && !sameConfig(known.config, config)) {
      throw new InputError(
        `the run "${name}" already exists with config ${JSON.stringify(known.config)}, not ${JSON.stringify(config)}. ` +
          'A run is one configuration: give this one its own name (for example with the differing values in it).'
      );
    }
    this.onChange();
  }

  /**
   * A run's config as its log says it (a watched run's hparams come after its first points, and
   * again from every file of it): the config it has from now on.
   */
  configure(name: string, config: RunConfig): void {
    const run = this.runs.get(name);
    if (!run || sameConfig(run.config, config)) return;
    run.config = { ...config };
    this.onChange();
  }

  /** Whether a run of that name was begun. */
  has(name: string): boolean {
    return this.runs.has(name);
  }

  config(name: string): RunConfig {
    return this.runs.get(name)?.config ?? {};
  }

  status(name: string): RunStatus {
    return this.runs.get(name)?.status ?? 'running';
  }

  /** The run said it finished or failed. */
  end(name: string, failed: boolean): void {
    const run = this.runs.get(name);
    if (run) run.status = failed ? 'failed' : 'finished';
    this.onChange();
  }

  /** Whether any run was named (a plotter with only its default run lists none). */
  get any(): boolean {
    return this.runs.size > 0;
  }

  /** The runs as outputs list them; `defaultHasData`: whether the default run is listed too. */
  list(defaultHasData: boolean): RunInfo[] {
    const named = [...this.runs].map(([name, r]) => ({ name, config: { ...r.config }, status: r.status }));
    return defaultHasData ? [{ name: DEFAULT_RUN, config: {}, status: 'running' }, ...named] : named;
  }
}

function sameConfig(a: RunConfig, b: RunConfig): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(k => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}
