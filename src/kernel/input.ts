/**
 * Every check of the values a user passes in (their type, shape and range), in one place, with one
 * error class: each message says what was wrong and how to fix it. Checks run before anything is
 * allocated or written, so bad input leaves nothing behind. What is checked against the plotter's
 * state (a media name never logged, a file that exists) is checked where that state is, with the
 * same error class (media/keep.ts, runs/runs.ts).
 */

/** Bad input from the user's code. A TypeError, so `instanceof TypeError` holds as before. */
export class InputError extends TypeError {
  constructor(message: string) {
    super(`metrics-plotter: ${message}`);
    this.name = 'InputError';
  }
}

/** Slower than one frame in 100 s or faster than 1000 a second is no video a browser plays. */
export const FPS_RANGE = { min: 0.01, max: 1000 } as const;
/** The largest side a video or image may have: H.264 encoders and browsers' decoders stop around here. */
export const MAX_MEDIA_SIDE = 8192;

export function isPositiveInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

export function checkOptionsObject<T>(options: T, example: string): T {
  if (!options || typeof options !== 'object') throw new InputError(`pass options like ${example}.`);
  return options;
}

/** Metric and media names are labels shown to people; media names also name files, so no paths. */
export function checkName(kind: 'metric' | 'media', name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError(`a ${kind} name must be a non-empty string; got ${JSON.stringify(name)}.`);
  }
  if (kind === 'media' && (/[\\/\0]/.test(name) || name.includes('..'))) {
    throw new InputError(
      `the media name ${JSON.stringify(name)} contains a path (/, \\ or ..). ` +
        'Names are labels, not paths: use a plain name like "rollout" (and a step for each entry).'
    );
  }
  return name;
}

export function checkNumber(what: string, value: unknown): number {
  if (typeof value !== 'number') throw new InputError(`${what} must be a number; got ${typeof value} ${JSON.stringify(value)}.`);
  return value;
}

/** A training step: a finite number (usually a whole one). */
export function checkStep(what: string, step: unknown): number {
  checkNumber(what, step);
  if (!Number.isFinite(step)) throw new InputError(`${what} must be a finite number; got ${String(step)}.`);
  return step as number;
}

/**
 * The step a value of `name` is logged at where the caller keeps no store of its own (a
 * SummaryWriter, a worker's logger): the one given, checked, or the one after `name`'s last
 * (0 for its first). `lastSteps` is updated.
 */
export function nextStep(lastSteps: Map<string, number>, name: string, step: number | undefined): number {
  const at = step === undefined ? (lastSteps.get(name) ?? -1) + 1 : checkStep(`the step of "${name}"`, step);
  lastSteps.set(name, at);
  return at;
}

export function checkFps(fps: unknown): number {
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) {
    throw new InputError(`fps must be a positive number (e.g. { fps: 30 }); got ${String(fps)}.`);
  }
  if (fps < FPS_RANGE.min || fps > FPS_RANGE.max) {
    throw new InputError(
      `fps is ${fps}; it must be between ${FPS_RANGE.min} and ${FPS_RANGE.max} frames a second (e.g. { fps: 30 }).`
    );
  }
  return fps;
}

export function checkCrf(crf: unknown): void {
  if (crf !== undefined && !(typeof crf === 'number' && Number.isInteger(crf) && crf >= 0 && crf <= 51)) {
    throw new InputError(`crf is ${String(crf)}; it must be a whole number from 0 (lossless) to 51 (smallest); default 20.`);
  }
}

export function checkKeepLast(where: string, keepLast: unknown): number | undefined {
  if (keepLast !== undefined && !isPositiveInt(keepLast)) {
    throw new InputError(
      `${where} keepLast is ${String(keepLast)}; it must be a whole number of at least 1 (entries kept per name).`
    );
  }
  return keepLast as number | undefined;
}

/** The memory bound option in MB, as bytes; undefined: the default. */
export function checkMemoryBoundMB(mb: unknown): number | undefined {
  if (mb === undefined) return undefined;
  if (typeof mb !== 'number' || !Number.isFinite(mb) || mb < 1) {
    throw new InputError(
      `memoryBoundMB is ${String(mb)}; it must be a number of megabytes of at least 1 (e.g. { memoryBoundMB: 2048 }), ` +
        "or left out for an eighth of the machine's memory."
    );
  }
  return Math.floor(mb * 2 ** 20);
}

export function checkMaxEncodes(n: unknown): number | undefined {
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new InputError(
      `maxEncodes is ${String(n)}; it must be a whole number of at least 1 (e.g. { maxEncodes: 2 }), ` +
        'or left out for one per core of the machine.'
    );
  }
  return n;
}

export function checkChannels(channels: unknown): 1 | 3 | 4 {
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InputError(`channels is ${String(channels)}; it must be 1 (gray), 3 (RGB) or 4 (RGBA).`);
  }
  return channels;
}

/** Checks a frame size before anything is allocated or written. */
export function checkMediaSize(width: unknown, height: unknown, where = 'the video'): void {
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new InputError(
      `${where} has width ${String(width)} and height ${String(height)}; both must be positive whole numbers.`
    );
  }
  if (width > MAX_MEDIA_SIDE || height > MAX_MEDIA_SIDE) {
    throw new InputError(
      `${where} is ${width}x${height}; at most ${MAX_MEDIA_SIDE} pixels a side can be encoded and played back. ` +
        'Downscale the frames (e.g. render the environment at a smaller size).'
    );
  }
}

/** A run's name: a label like "lr=3e-4 seed=1", shown in the runs table and the legends. */
export function checkRunName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError(`a run name must be a non-empty string like "lr=3e-4 seed=1"; got ${JSON.stringify(name)}.`);
  }
  if (name.length > 200)
    throw new InputError(`the run name "${name.slice(0, 40)}…" is ${name.length} characters; use at most 200.`);
  return name;
}

/** A baseline's label (`pin(run, { label })`): a short non-empty string, as a legend shows it. */
export function checkBaselineLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim() === '' || label.length > 100) {
    throw new InputError(
      `a baseline's label must be a non-empty string of at most 100 characters, like "before the reward fix"; got ${JSON.stringify(label)?.slice(0, 120)}.`
    );
  }
  return label;
}

/** A run's config: flat, its values finite numbers, strings or booleans (what a table column and a group can hold). */
export function checkRunConfig(run: string, config: unknown): Record<string, number | string | boolean> {
  const example = '{ config: { lr: 3e-4, seed: 1, optimizer: "adam" } }';
  if (config === undefined) return {};
  if (
    config === null ||
    typeof config !== 'object' ||
    Array.isArray(config) ||
    Object.getPrototypeOf(config) !== Object.prototype
  ) {
    throw new InputError(`the config of run "${run}" must be a plain object like ${example}; got ${describe(config)}.`);
  }
  const out: Record<string, number | string | boolean> = {};
  for (const [key, value] of Object.entries(config)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new InputError(
        `the config of run "${run}" has ${JSON.stringify(key)}: ${describe(value)}; config values must be finite numbers, ` +
          `strings or booleans (flat, no objects or arrays), like ${example}.`
      );
    }
    out[key] = value;
  }
  return out;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  return 'an object';
}

/** The options of `new MetricsPlotter(options)`: an object, or nothing. */
export function checkPlotterOptions<T>(options: T): T {
  if (options === null || typeof options !== 'object')
    throw new InputError('options must be an object like { title: "CartPole" }.');
  return options;
}

/** Points per series an output is sent: at least two buckets' worth (min and max each). */
export function checkMaxPointsPerSeries(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 4) {
    throw new InputError(`maxPointsPerSeries must be a whole number of at least 4; got ${n}.`);
  }
  return n;
}

/** A batch of one metric (`addMetric(name, values, steps?)`), checked whole before any of it is recorded. */
export function checkMetricBatch(name: string, values: ArrayLike<number>, steps?: ArrayLike<number>): void {
  checkName('metric', name);
  if (!values || typeof values.length !== 'number') {
    throw new InputError(`addMetric("${name}", values) needs an array of numbers.`);
  }
  if (steps !== undefined && steps.length !== values.length) {
    throw new InputError(`addMetric("${name}") got ${values.length} values but ${steps.length} steps.`);
  }
  for (let i = 0; i < values.length; i++) checkNumber(`"${name}"[${i}]`, values[i]);
  if (steps) for (let i = 0; i < steps.length; i++) checkStep(`the step of "${name}"[${i}]`, steps[i]);
}

/** `addMetrics({ loss: [...] })` takes an object of arrays. */
export function checkMetricsObject(metrics: unknown): Record<string, ArrayLike<number>> {
  if (!metrics || typeof metrics !== 'object') {
    throw new InputError('addMetrics needs an object like { loss: [0.9, 0.5], reward: [1, 3] }.');
  }
  return metrics as Record<string, ArrayLike<number>>;
}

/** keep's `to`: a file path, relative to the notebook's folder. */
export function checkKeepTo(to: unknown): string | undefined {
  if (to !== undefined && (typeof to !== 'string' || !to)) {
    throw new InputError(`to must be a file path (relative to the notebook's folder); got ${JSON.stringify(to)}.`);
  }
  return to as string | undefined;
}
