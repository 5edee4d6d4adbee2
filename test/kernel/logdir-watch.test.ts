/**
 * plotter.watch(logdir): a TensorBoard log directory written by the real tensorboardX (PyPI, in
 * `.venv-tensorboard`) and by our SummaryWriter, followed by a real plotter: one run per folder,
 * scalars at their steps and wall times, hparams as the run's config (PyTorch's add_hparams child
 * folder attached to its run), new points, new files and new run folders read by the next poll, a
 * record still being written read once complete, corrupt records counted, a missing log directory
 * said and then picked up, and the log directory left exactly as it was by every session end.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetricsPlotter } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { SummaryWriter } from '../../src/kernel/tensorboard';
import { frameRecord } from '../../src/kernel/tensorboard/records';
import { encodeEvent } from '../../src/kernel/tensorboard/messages';
import { decodeImage } from '../../src/kernel/media/decode-image';
import { plotterPayload, summaryOf } from '../../src/kernel/outputs/payload';
import { summaryText } from '../../src/kernel/outputs/summary';
import { watchedLogdirMessage } from '../../src/protocol';
import { REPO, listTree } from '../support/kernel-process';

const PYTHON = path.join(REPO, '.venv-tensorboard', 'bin', 'python');

function tensorboardX(script: string, cwd: string): void {
  if (!fs.existsSync(PYTHON))
    throw new Error(`These tests need tensorboardX in ${path.dirname(path.dirname(PYTHON))}: run ./scripts/test.sh.`);
  const run = spawnSync(PYTHON, ['-c', `from tensorboardX import SummaryWriter\n${script}`], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python failed:\n${run.stderr}`);
}

/** A run's series of one metric in the plotter: [step, value] pairs. */
function seriesOf(plotter: MetricsPlotter, run: string, name: string): Array<[number, number | null]> {
  const s = plotterInternals(plotter).metrics.series.get(`${run}\u0000${name}`);
  if (!s) return [];
  return Array.from({ length: s.points.length }, (_, i) => [s.points.step(i), s.points.value(i)]);
}

/** A run of x = 1, 2, 3 written by our SummaryWriter, its last record's data then damaged (its CRC no longer holds). */
function runWithCorruptLastRecord(runDir: string): SummaryWriter {
  const writer = new SummaryWriter(runDir);
  writer.addMetric('x', [1, 2, 3]);
  writer.close();
  const bytes = fs.readFileSync(writer.file);
  bytes[bytes.length - 6] ^= 0xff; // inside the last record's data
  fs.writeFileSync(writer.file, bytes);
  return writer;
}

let root: string;
let logdir: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-watch-'));
  logdir = path.join(root, 'runs');
  fs.mkdirSync(logdir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('runs of a log directory tensorboardX wrote: one per folder, scalars at their steps and wall times, hparams as the config', async () => {
  tensorboardX(
    `
import time
for lr in (0.001, 0.0003):
    w = SummaryWriter(f'runs/lr={lr}')
    for step in range(0, 100, 10):
        w.add_scalar('loss', lr * 1000 / (step + 1), step, walltime=1700000000 + step)
    w.add_hparams({'lr': lr, 'opt': 'adam'}, {'hparam/final': lr * 10})
    w.close()
`,
    root
  );
  const before = listTree(logdir);
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const watch = plotter.watch(logdir);
  await watch.poll(); // what is there now, read (watch() reads in the background)
  expect([...watch.runs].sort()).toEqual(['lr=0.0003', 'lr=0.001']);
  expect(plotter.runs).toEqual([]); // the plotter's own run objects are the notebook's
  const core = plotterInternals(plotter);
  const listed = core.runs.list(false);
  expect(listed.map(r => [r.name, r.config]).sort()).toEqual([
    ['lr=0.0003', { lr: 0.0003, opt: 'adam' }],
    ['lr=0.001', { lr: 0.001, opt: 'adam' }]
  ]);
  expect(seriesOf(plotter, 'lr=0.001', 'loss')).toEqual(
    Array.from({ length: 10 }, (_, k) => [k * 10, Math.fround(1 / (k * 10 + 1))])
  );
  // The child folder add_hparams wrote is its run's: its metric is the run's too.
  expect(seriesOf(plotter, 'lr=0.001', 'hparam/final')).toEqual([[0, Math.fround(0.01)]]);
  // Wall times give the time axis.
  const loss = core.metrics.series.get('lr=0.001\u0000loss')!;
  expect(loss.points.time(3)).toBe((1_700_000_000 + 30) * 1000);
  plotter.close();
  expect(watch.closed).toBe(true);
  expect(listTree(logdir)).toEqual(before);
});

test("followed live: new points, a record still being written, a restarted run's second file and a new run folder come with the next poll", async () => {
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const writer = new SummaryWriter(path.join(logdir, 'a'), { flushSecs: 3600 });
  writer.addMetric('return', [1, 2, 3]).flush();
  const watch = plotter.watch(logdir, { pollMs: 60_000 });
  await watch.poll();
  expect(seriesOf(plotter, 'a', 'return')).toEqual([
    [0, 1],
    [1, 2],
    [2, 3]
  ]);
  writer.addScalar('return', 4).flush();
  // Half of the next record: it waits.
  const next = frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 4, values: [{ tag: 'return', simpleValue: 5 }] }));
  fs.appendFileSync(writer.file, next.subarray(0, 10));
  await watch.poll();
  expect(seriesOf(plotter, 'a', 'return').map(p => p[1])).toEqual([1, 2, 3, 4]);
  expect(watch.problems).toEqual([]);
  fs.appendFileSync(writer.file, next.subarray(10));
  // The run restarted from step 3 into a second file, and a new job's folder appeared.
  const restarted = new SummaryWriter(path.join(logdir, 'a'));
  restarted.addScalar('return', 30, 3);
  restarted.close();
  tensorboardX("w = SummaryWriter('runs/b')\nw.add_scalar('return', 7, 0)\nw.close()", root);
  await watch.poll();
  expect(seriesOf(plotter, 'b', 'return')).toEqual([[0, 7]]);
  // From the restart on, the run is as its second file says (the first file's later points are the abandoned attempt's).
  const a = seriesOf(plotter, 'a', 'return');
  expect(a.slice(0, 3)).toEqual([
    [0, 1],
    [1, 2],
    [2, 3]
  ]);
  expect(a.some(([step, value]) => step === 3 && value === 30)).toBe(true);
  expect(watch.corruptRecords).toBe(0);
  writer.close();
  watch.close();
  plotter.close();
});

test('on a local disk a record is read soon after it is written, without waiting for the poll: in a run followed, and in a new run folder', async () => {
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const writer = new SummaryWriter(path.join(logdir, 'a'), { flushSecs: 3600 });
  writer.addScalar('return', 1, 0).flush();
  // Polled once an hour: what comes, comes because the file system told of it.
  const watch = plotter.watch(logdir, { pollMs: 3_600_000 });
  await watch.poll();
  expect(seriesOf(plotter, 'a', 'return')).toEqual([[0, 1]]);
  writer.addScalar('return', 2, 1).flush();
  await until(() => seriesOf(plotter, 'a', 'return').length === 2);
  const later = new SummaryWriter(path.join(logdir, 'b'));
  later.addScalar('return', 7, 0).flush();
  await until(() => seriesOf(plotter, 'b', 'return').length === 1);
  expect(seriesOf(plotter, 'b', 'return')).toEqual([[0, 7]]);
  writer.close();
  later.close();
  plotter.close();
  expect(watch.closed).toBe(true);
}, 60_000);

/** Waits for `done`, checking every 50 ms (up to 20 s: then the test fails as a missed read). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 50) {
    if (waited > 20_000) throw new Error('not read within 20 s');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

test('a corrupt record is skipped and counted and said once; a missing log directory is said, then picked up once a job makes it', async () => {
  const missing = path.join(root, 'later');
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const watch = plotter.watch(missing, { pollMs: 60_000 });
  // Told in the cell that called watch(), before any read; the read says it no second time.
  expect(watch.problems).toEqual([
    `the log directory ${missing} does not exist (yet): runs appear here once a job writes event files into it.`
  ]);
  expect(errors).toHaveBeenCalledWith(`metrics-plotter: ${watch.problems[0]}`);
  await watch.poll();
  expect(watch.problems).toHaveLength(1);
  const writer = runWithCorruptLastRecord(path.join(missing, 'run'));
  await watch.poll();
  await watch.poll();
  expect(seriesOf(plotter, 'run', 'x')).toEqual([
    [0, 1],
    [1, 2]
  ]);
  expect(watch.corruptRecords).toBe(1);
  expect(watch.problems).toHaveLength(2);
  expect(watch.problems[1]).toBe(`1 corrupt record(s) in ${writer.file} were skipped (their CRC does not hold).`);
  errors.mockRestore();
  plotter.close();
  // The log directory is the user's: the session's end left it as it was.
  expect(fs.existsSync(writer.file)).toBe(true);
});

/** Pixel c of (x, y) of the test images both sides draw. */
const pattern = (x: number, y: number, c: number): number => (x * 7 + y * 13 + c * 50) % 256;

test("a run's images and GIF videos (tensorboardX's add_image and add_video) become its media: the GIF an MP4 in the plotter's assets, the last keepLast of each tag; the log directory is left as it was", async () => {
  tensorboardX(
    `
import numpy as np
w = SummaryWriter('runs/ppo')
video = np.zeros((1, 6, 3, 32, 48), dtype=np.uint8)
for t in range(6): video[0, t, :, :, t * 8:(t + 1) * 8] = 255
w.add_video('rollout', video, global_step=3, fps=5)
image = np.fromfunction(lambda c, y, x: (x * 7 + y * 13 + c * 50) % 256, (3, 20, 30), dtype=np.int64).astype(np.uint8)
for step in range(4): w.add_image('value_map', image, global_step=step)
w.close()
`,
    root
  );
  const before = listTree(logdir);
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const watch = plotter.watch(logdir, { pollMs: 60_000, keepLast: 2 });
  await watch.poll();
  await watch.mediaReady();
  const core = plotterInternals(plotter);
  const entries = core.media.entries();
  expect(entries.map(e => [e.run, e.name, e.kind, e.step]).sort()).toEqual([
    ['ppo', 'rollout', 'video', 3],
    ['ppo', 'value_map', 'image', 2],
    ['ppo', 'value_map', 'image', 3]
  ]);
  const video = entries.find(e => e.kind === 'video')!;
  expect(video).toMatchObject({ width: 48, height: 32, fps: 5, frames: 6 });
  expect(video.absolutePath.startsWith(path.join(root, 'assets'))).toBe(true);
  expect(video.absolutePath.endsWith('.mp4')).toBe(true);
  // Each frame of the MP4 is the GIF's: a white band 8 px wide, moving right.
  const played = await decodeImage(fs.readFileSync(video.absolutePath));
  expect(played.frames).toHaveLength(6);
  for (let t = 0; t < 6; t++) {
    const at = (x: number): number => played.frames[t][(16 * 48 + x) * 4];
    expect(at(t * 8 + 4)).toBeGreaterThan(200);
    expect(at(((t + 3) % 6) * 8 + 4)).toBeLessThan(50);
  }
  // The image is the pixels tensorboardX was given (PNG both ways: lossless).
  const image = await decodeImage(fs.readFileSync(entries.find(e => e.kind === 'image' && e.step === 3)!.absolutePath));
  expect([image.width, image.height]).toEqual([30, 20]);
  for (const [x, y] of [
    [0, 0],
    [29, 19],
    [11, 7]
  ])
    expect(Array.from(image.frames[0].subarray((y * 30 + x) * 4, (y * 30 + x) * 4 + 3))).toEqual(
      [0, 1, 2].map(c => pattern(x, y, c))
    );
  expect(listTree(logdir)).toEqual(before);

  plotter.close();
  expect(fs.existsSync(video.absolutePath)).toBe(false);
  expect(listTree(logdir)).toEqual(before);
});

test('the output says what a watch read and left out: runs, corrupt records skipped, values not shown, images that could not be read', async () => {
  runWithCorruptLastRecord(path.join(logdir, 'run'));
  tensorboardX(
    `
import numpy as np
w = SummaryWriter('runs/run')
w.add_histogram('weights', np.arange(100.0), 0)
w.add_histogram('weights', np.arange(100.0), 1)
w.close()
`,
    root
  );
  fs.appendFileSync(
    path.join(logdir, 'run', 'events.out.tfevents.1.broken'),
    frameRecord(
      encodeEvent({
        wallTime: 1,
        step: 0,
        values: [{ tag: 'frame', image: { width: 4, height: 4, encoded: Buffer.from('not an image') } }]
      })
    )
  );
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const plotter = new MetricsPlotter({ title: 'watch', root });
  const watch = plotter.watch(logdir, { pollMs: 60_000 });
  await watch.poll();
  await watch.mediaReady();
  errors.mockRestore();
  const { watched } = plotterPayload(plotterInternals(plotter), 'v0');
  expect(watched).toEqual([
    {
      logdir,
      following: true,
      runs: 1,
      corruptRecords: 1,
      notShown: { histograms: 2, 'images that could not be read': 1 },
      problems: 2
    }
  ]);
  expect(watch.problems[1]).toMatch(/^the image "frame" of run run at step 0 is not shown: ffmpeg could not read it as an image/);
  expect(watchedLogdirMessage(watched![0])).toBe(
    `Watching ${logdir}: 1 run. 1 corrupt record was skipped (CRC mismatch). Not shown: 2 histograms, 1 images that could not be read. ` +
      "2 problems reading it: said in the cell or the server's log, listed in the watch's problems."
  );
  expect(summaryText(summaryOf(plotterInternals(plotter)))).toContain(watchedLogdirMessage(watched![0]));
  watch.close();
  expect(plotterPayload(plotterInternals(plotter), 'v0').watched![0].following).toBe(false);
  plotter.close();
});

test("read in worker threads (as the built package reads) and then, caught up, in the kernel's thread from where they were, a log directory gives exactly what one reader in the kernel's thread gives; a script waiting on a read is kept alive for it, and exits after", () => {
  tensorboardX(
    `
import numpy as np
for run in ['a', 'b', 'c', 'lr=0.1/seed=1']:
    w = SummaryWriter('runs/' + run)
    for step in range(300):
        w.add_scalar('loss', 1.0 / (step + 1), step)
        w.add_scalar('reward', step * 0.5, step)
    w.add_image('obs', np.zeros((4, 5, 3), dtype=np.uint8), 7, dataformats='HWC')
    w.add_hparams({'lr': 0.1, 'run': run}, {'hparam/best': 0.5})
    w.close()
`,
    root
  );
  runWithCorruptLastRecord(path.join(logdir, 'damaged'));
  const script = `
const { startReading, InThreadReading } = require(${JSON.stringify(path.join(REPO, 'lib/kernel/tensorboard/reading-pool'))});
async function collect(reading, between = () => undefined) {
  const began = reading.inWorkers;
  const scalars = [], images = [], configs = [], newRuns = [], problems = [];
  const take = u => {
    const { run, tagNames, tagIndex, steps, values, times } = u.scalars;
    for (let i = 0; i < steps.length; i++) scalars.push([run, tagNames[tagIndex[i]], steps[i], values[i], times[i]]);
    for (const image of u.images) images.push([image.run, image.tag, image.step, Buffer.from(image.encoded).toString('base64')]);
    configs.push(...u.configs.map(c => JSON.stringify(c)));
    newRuns.push(...u.newRuns);
  };
  problems.push(...(await reading.read(take)));
  between();
  problems.push(...(await reading.read(take)));
  const sorted = a => a.map(x => JSON.stringify(x)).sort();
  const out = { inWorkers: [began, reading.inWorkers], scalars: sorted(scalars), images: sorted(images), configs: configs.sort(), newRuns: newRuns.sort(), problems: problems.sort(), runs: reading.runNames.sort(), corrupt: reading.corrupt };
  reading.close();
  return out;
}
(async () => {
  // Between the workers' read and the next: a run goes on, and a new one begins.
  const { SummaryWriter } = require(${JSON.stringify(path.join(REPO, 'lib/kernel/tensorboard'))});
  const workers = await collect(startReading(${JSON.stringify(logdir)}, 3), () => {
    for (const run of ['a', 'e']) new SummaryWriter(${JSON.stringify(logdir)} + '/' + run).addScalar('loss', 9, 1000, 1.7e9).close();
  });
  const inThread = await collect(new InThreadReading(${JSON.stringify(logdir)}));
  console.log(JSON.stringify({ workers, inThread }));
})();`;
  // No timer keeps this script alive: only the reads in progress do.
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const { workers, inThread } = JSON.parse(run.stdout);
  // The workers read what was there, then (caught up) handed over to the kernel's thread.
  expect([workers.inWorkers, inThread.inWorkers]).toEqual([
    [true, false],
    [false, false]
  ]);
  // Four runs of 2 × 300 scalars and add_hparams' metric each; the damaged run's two good points;
  // the two written between the reads.
  expect(workers.scalars).toHaveLength(4 * (2 * 300 + 1) + 2 + 2);
  expect(workers.runs).toEqual(['a', 'b', 'c', 'damaged', 'e', 'lr=0.1/seed=1']);
  expect(workers.corrupt).toBe(1);
  expect({ ...workers, inWorkers: null }).toEqual({ ...inThread, inWorkers: null });
});
