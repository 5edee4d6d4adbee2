/**
 * `metrics-plotter/worker`: logging into a run from a `worker_threads` Worker or a forked child
 * process, without any Jupyter code (the kernel's end is `run.logFrom(worker)`). docs/workers.md.
 */
export { runLogger, type RunLogger } from './run-logger';
