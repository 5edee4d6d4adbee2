/**
 * Reading TensorBoard log directories (docs/tensorboard.md), side by side with TensorBoard's own
 * loaders on the same files, each in its own process:
 *  - a log directory of 50 runs × 20 tags × 20,000 steps (20 million scalar events, about 0.9 GB):
 *    one run written by our SummaryWriter, copied into 50 run folders;
 *  - ours: the reading alone (every record's CRC checked), in worker threads as plotter.watch reads
 *    and in one thread, and plotter.watch end to end into a plotter (its default memory bound, and
 *    memoryBoundMB: 64);
 *  - rustboard (tensorboard-data-server 0.7.2, TensorBoard's Rust loader): its first load cycle
 *    (from its verbose log), with --checksum (every record checked, as ours) and without (its
 *    default: checked only when parsing fails); it keeps a reservoir of 1,000 points a tag;
 *  - TensorBoard's Python EventAccumulator (default size guidance: 10,000 scalars a tag) on 2 of
 *    the runs (800,000 events; the whole directory takes it minutes);
 *  - following 50 runs that each append 100 scalars a second (one writer process for all), the
 *    watching plotter's CPU (every thread of it) over 20 s of its default reading, once what was
 *    there at the start is read.
 * Peak RSS from /proc/<pid>/status (VmHWM) at the end of each.
 */
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const RUNS = 50;
const TAGS = 20;
const STEPS = Number(process.env.MP_BENCH_LOGDIR_STEPS) || 20_000;
const PYTHON = path.join(ROOT, '.venv-tensorboard', 'bin', 'python');
const FOLLOW_SECONDS = 20;

function nodeScript(code) {
  const run = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

const PEAK = `Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024`;

function makeLogdir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-logdir-'));
  nodeScript(`
    const { SummaryWriter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel/tensorboard'))});
    const w = new SummaryWriter(${JSON.stringify(path.join(dir, 'run-0'))}, { flushSecs: 3600 });
    for (let s = 0; s < ${STEPS}; s++) {
      for (let t = 0; t < ${TAGS}; t++) w.addScalar('metric/' + t, Math.sin(s / 100 + t) + (s % 7) * 0.01, s, 1.7e9 + s);
      if (s % 1000 === 999) w.flush();
    }
    w.close();
    console.log('{}');`);
  const [file] = fs.readdirSync(path.join(dir, 'run-0'));
  for (let r = 1; r < RUNS; r++) {
    fs.mkdirSync(path.join(dir, `run-${r}`));
    fs.copyFileSync(path.join(dir, 'run-0', file), path.join(dir, `run-${r}`, file));
  }
  let bytes = 0;
  for (let r = 0; r < RUNS; r++) bytes += fs.statSync(path.join(dir, `run-${r}`, file)).size;
  return { dir, bytes, events: RUNS * TAGS * STEPS, runs: RUNS, tags: TAGS, steps: STEPS };
}

/** Our reading alone: in worker threads (what plotter.watch uses), or one reader in this thread. */
function oursReader(dir, inWorkers) {
  return nodeScript(`
    const { startReading, InThreadReading } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel/tensorboard/reading-pool'))});
    (async () => {
      const t0 = process.hrtime.bigint();
      const reading = ${inWorkers ? 'startReading' : 'new InThreadReading'}(${JSON.stringify(dir)});
      const inWorkers = reading.inWorkers;
      let events = 0, last = -1;
      while (events !== last) { last = events; await reading.read(u => { events += u.scalars.steps.length; }); }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      reading.close();
      console.log(JSON.stringify({ events, seconds, inWorkers, peakBytes: ${PEAK} }));
    })();`);
}

function oursPlotter(dir, memoryBoundMB) {
  return nodeScript(`
    const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
    const { plotterInternals } = require(${JSON.stringify(path.join(ROOT, 'internals'))});
    const fs = require('fs'), os = require('os'), path = require('path');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-watch-'));
    const t0 = process.hrtime.bigint();
    const plotter = new MetricsPlotter({ title: 'bench', root${memoryBoundMB ? `, memoryBoundMB: ${memoryBoundMB}` : ''} });
    const watch = plotter.watch(${JSON.stringify(dir)}, { pollMs: 3600000 });
    const core = plotterInternals(plotter);
    const logged = () => { let n = 0; for (const s of core.metrics.series.values()) n += s.points.logged; return n; };
    let events = 0, last = -1;
    (async () => {
      while ((events = logged()) !== last) { last = events; await watch.poll(); }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const out = { events, seconds, peakBytes: ${PEAK}, boundMB: core.metrics.boundBytes / 2 ** 20, boundReached: core.metrics.boundReached };
      plotter.close();
      fs.rmSync(root, { recursive: true, force: true });
      console.log(JSON.stringify(out));
    })();`);
}

function peakOf(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return NaN;
  }
}

/** rustboard's first load cycle: its own log says how long it took. */
function rustboard(dir, checksum) {
  const binary = spawnSync(PYTHON, ['-c', 'import tensorboard_data_server as t; print(t.server_binary())'], {
    encoding: 'utf8'
  }).stdout.trim();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--logdir', dir, '-v', '--port', '0', checksum ? '--checksum' : '--no-checksum'], {
      stdio: ['ignore', 'ignore', 'pipe']
    });
    let log = '';
    child.stderr.on('data', c => {
      log += c;
      const done = /Finished load cycle \(([\d.]+)(m?s)\)/.exec(log);
      if (!done) return;
      const seconds = Number(done[1]) / (done[2] === 'ms' ? 1000 : 1);
      const peakBytes = peakOf(child.pid);
      child.kill('SIGKILL');
      resolve({ seconds, peakBytes });
    });
    child.on('error', reject);
    child.on('exit', code => code !== null && code !== 0 && reject(new Error(`rustboard exited with ${code}: ${log}`)));
  });
}

function eventAccumulator(dir, runs) {
  const run = spawnSync(
    PYTHON,
    [
      '-c',
      `
import json, time, resource
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
t0 = time.perf_counter()
events = 0
for r in range(${runs}):
    ea = EventAccumulator(${JSON.stringify(dir)} + f'/run-{r}')
    ea.Reload()
    events += ${TAGS * STEPS}
print(json.dumps({'events': events, 'seconds': time.perf_counter() - t0, 'peakBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
`
    ],
    { encoding: 'utf8' }
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

/** 50 runs appending 100 scalars a second each (one writer process), followed by a plotter; its CPU over FOLLOW_SECONDS. */
async function following() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-follow-'));
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `
    const { SummaryWriter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel/tensorboard'))});
    const writers = Array.from({ length: ${RUNS} }, (_, r) => new SummaryWriter(${JSON.stringify(dir)} + '/run-' + r, { flushSecs: 0.5 }));
    let step = 0;
    setInterval(() => { for (const w of writers) for (let k = 0; k < 10; k++) w.addScalar('reward', Math.random(), step + k); step += 10; }, 100);`
    ],
    { stdio: 'ignore' }
  );
  await new Promise(r => setTimeout(r, 1500));
  const result = nodeScript(`
    const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
    const { plotterInternals } = require(${JSON.stringify(path.join(ROOT, 'internals'))});
    const fs = require('fs'), os = require('os'), path = require('path');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-follow-plotter-'));
    const plotter = new MetricsPlotter({ title: 'bench', root });
    const watch = plotter.watch(${JSON.stringify(dir)});
    const core = plotterInternals(plotter);
    const logged = () => { let n = 0; for (const s of core.metrics.series.values()) n += s.points.logged; return n; };
    // Measured from when what was there at the start is read: following, not loading.
    watch.poll().then(() => {
      const before = logged();
      const cpu0 = process.cpuUsage();
      setTimeout(() => {
        const cpu = process.cpuUsage(cpu0);
        const out = { cpuSeconds: (cpu.user + cpu.system) / 1e6, seconds: ${FOLLOW_SECONDS}, events: logged() - before, runs: watch.runs.length };
        plotter.close();
        fs.rmSync(root, { recursive: true, force: true });
        console.log(JSON.stringify(out));
      }, ${FOLLOW_SECONDS * 1000});
    });`);
  writer.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * From a record written to a followed log directory until the watching plotter holds its point (the
 * kernel's part of record → pixel; the page's is the live rows' "update until drawn", after the
 * output's update throttle, liveUpdateMs 250): 20 records, one every 700 ms, each appended to a run's
 * file by another process, timed by this one from just before the write to the point in the store.
 */
function recordToKernel() {
  return nodeScript(`
    const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
    const { plotterInternals } = require(${JSON.stringify(path.join(ROOT, 'internals'))});
    const { SummaryWriter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel/tensorboard'))});
    const fs = require('fs'), os = require('os'), path = require('path');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-latency-plotter-'));
    const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-latency-'));
    const writer = new SummaryWriter(path.join(logdir, 'run'), { flushSecs: 3600 });
    writer.addScalar('reward', 0, 0).flush();
    const plotter = new MetricsPlotter({ title: 'bench', root });
    plotter.watch(logdir);
    const series = () => plotterInternals(plotter).metrics.series.get('run\\u0000reward');
    const latencies = [];
    let step = 0;
    const next = () => {
      if (step === 20) {
        writer.close();
        plotter.close();
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(logdir, { recursive: true, force: true });
        latencies.sort((a, b) => a - b);
        console.log(JSON.stringify({ medianMs: latencies[10], maxMs: latencies[19] }));
        return;
      }
      step++;
      const t0 = process.hrtime.bigint();
      writer.addScalar('reward', step, step).flush();
      const check = setInterval(() => {
        const s = series();
        if (!s || s.points.length <= step) return;
        clearInterval(check);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        setTimeout(next, 700);
      }, 5);
    };
    setTimeout(next, 500);`);
}

async function logdirBench() {
  const logdir = makeLogdir();
  try {
    const reader = oursReader(logdir.dir, true);
    const inThread = oursReader(logdir.dir, false);
    const plotter = oursPlotter(logdir.dir);
    const bounded = oursPlotter(logdir.dir, 64);
    const rustChecksum = await rustboard(logdir.dir, true);
    const rustDefault = await rustboard(logdir.dir, false);
    const accumulator = eventAccumulator(logdir.dir, 2);
    const follow = await following();
    const latency = recordToKernel();
    return { ...logdir, reader, inThread, plotter, bounded, rustChecksum, rustDefault, accumulator, follow, latency };
  } finally {
    fs.rmSync(logdir.dir, { recursive: true, force: true });
  }
}

module.exports = { logdirBench };
