/**
 * A worker thread's share of reading a log directory (reading-pool.ts): the runs whose names fall
 * to its part, read by its own LogdirReader whenever the kernel asks, its updates posted in
 * batches as they are read, their columns transferred; and where it is, when the kernel's thread
 * is to read on alone.
 */
import { parentPort, workerData } from 'worker_threads';
import { LogdirReader } from './logdir-reader';
import { toWire, type ReadDone, type ReadRequest, type ReaderStateReply, type WireBatch, type WireUpdate } from './read-messages';
import { partOf } from './reading-parts';

const { logdir, part, parts, inFlight } = workerData as { logdir: string; part: number; parts: number; inFlight: Int32Array };
const reader = new LogdirReader(logdir, run => partOf(run, parts) === part);
const port = parentPort!;

/**
 * Updates go in batches of about this many scalars: a large log directory's in a few messages of
 * its chunks, a followed one's (a few scalars of each run every read) in one.
 */
const BATCH_SCALARS = 1 << 16;
/**
 * Batches sent and not yet applied by the kernel, at most: reading waits (Atomics.wait, in this
 * thread only) while the kernel applies, so that what is read ahead of it stays a few megabytes
 * however large the log directory (`inFlight[part]`, which the kernel counts down).
 */
const BATCHES_IN_FLIGHT = 2;

port.on('message', (request: ReadRequest) => {
  if (request.kind === 'state') {
    const reply: ReaderStateReply = { kind: 'state', state: reader.state() };
    port.postMessage(reply);
    return;
  }
  let batch: WireUpdate[] = [];
  let transfer: ArrayBuffer[] = [];
  let scalars = 0;
  const send = (): void => {
    if (!batch.length) return;
    const message: WireBatch = { kind: 'updates', updates: batch };
    Atomics.add(inFlight, part, 1);
    port.postMessage(message, transfer);
    [batch, transfer, scalars] = [[], [], 0];
    for (let n = Atomics.load(inFlight, part); n >= BATCHES_IN_FLIGHT; n = Atomics.load(inFlight, part))
      Atomics.wait(inFlight, part, n, 1000);
  };
  const problems = reader.poll(update => {
    const wire = toWire(update);
    batch.push(wire.message);
    transfer.push(...wire.transfer);
    scalars += update.scalars.steps.length;
    if (scalars >= BATCH_SCALARS) send();
  });
  send();
  const done: ReadDone = { kind: 'done', problems, corrupt: reader.corrupt, runs: reader.runNames, bytes: reader.lastReadBytes };
  port.postMessage(done);
});
