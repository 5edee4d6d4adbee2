/**
 * The scalars a read of one run's file gives, a typed column a field: millions of them as objects
 * (or as numbers in plain arrays) cost more to make, collect and send between threads than to
 * read. Tags are indices into the few distinct tags of the read.
 */
import { grown } from '../metrics/points';
import type { TagNames } from './scalar-events';

/** Scalars of one run, in file order. */
export interface ReadScalars {
  run: string;
  /** The distinct tags of these scalars. */
  tagNames: string[];
  /** Each scalar's tag, an index into `tagNames`. */
  tagIndex: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
  /** Milliseconds since the epoch (TensorBoard's wall times are seconds). */
  times: Float64Array;
}

/** Collects scalars into growing columns; `take` gives them and starts again. */
export class ScalarColumns {
  private length = 0;
  private tags: Uint32Array;
  private steps: Float64Array;
  private values: Float64Array;
  private times: Float64Array;

  /** `room`: about how many scalars are coming (they grow past it); a file followed gets a few each read. */
  constructor(
    private readonly names: TagNames,
    room: number
  ) {
    const n = Math.max(16, Math.ceil(room));
    this.tags = new Uint32Array(n);
    this.steps = new Float64Array(n);
    this.values = new Float64Array(n);
    this.times = new Float64Array(n);
  }

  /** One scalar: its tag's id in `names`, its wall time in seconds. */
  readonly push = (tag: number, step: number, value: number, wallTime: number): void => {
    if (this.length === this.steps.length) this.grow();
    const i = this.length++;
    this.tags[i] = tag;
    this.steps[i] = step;
    this.values[i] = value;
    this.times[i] = wallTime * 1000;
  };

  private grow(): void {
    const capacity = this.steps.length * 2;
    this.tags = grown(this.tags, capacity);
    this.steps = grown(this.steps, capacity);
    this.values = grown(this.values, capacity);
    this.times = grown(this.times, capacity);
  }

  /** The scalars collected since the last take, as `run`'s; the columns start again empty. */
  take(run: string): ReadScalars {
    const n = this.length;
    // The reader's tag ids, numbered again from 0 in the order they first come here.
    const local = new Int32Array(this.names.size).fill(-1);
    const ids: number[] = [];
    const tagIndex = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const id = this.tags[i];
      if (local[id] < 0) local[id] = ids.push(id) - 1;
      tagIndex[i] = local[id];
    }
    const out: ReadScalars = {
      run,
      tagNames: ids.map(id => this.names.name(id)),
      tagIndex,
      steps: this.steps.slice(0, n),
      values: this.values.slice(0, n),
      times: this.times.slice(0, n)
    };
    this.length = 0;
    return out;
  }
}
