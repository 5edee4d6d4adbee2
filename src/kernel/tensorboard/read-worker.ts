/**
 * A worker thread's share of reading a log directory (reading-pool.ts): the runs whose names fall
 * to its part, read by its own LogdirReader whenever the kernel asks, each update posted as it is
 * read, its columns transferred.
 */
import { parentPort, workerData } from 'worker_threads';
import { LogdirReader } from './logdir-reader';
import { toWire, type ReadDone, type ReadRequest } from './read-messages';
import { partOf } from './reading-parts';

const { logdir, part, parts } = workerData as { logdir: string; part: number; parts: number };
const reader = new LogdirReader(logdir, run => partOf(run, parts) === part);
const port = parentPort!;

port.on('message', (request: ReadRequest) => {
  if (request.kind !== 'read') return;
  const problems = reader.poll(update => {
    const { message, transfer } = toWire(update);
    port.postMessage(message, transfer);
  });
  const done: ReadDone = { kind: 'done', problems, corrupt: reader.corrupt, runs: reader.runNames };
  port.postMessage(done);
});
