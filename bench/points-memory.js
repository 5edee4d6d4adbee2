/**
 * What a logged point costs the kernel: 10 metrics × 1,000,000 points, each way in its own Node
 * process (RSS growth after a full GC, divided by the points logged, and the time the calls took;
 * "nothing" runs the same loop keeping no point: what the loop itself grows RSS by):
 *  - JavaScript arrays: steps, values and times as the store kept them before (a values array that
 *    may hold gaps as null keeps every number boxed; about 64 bytes a point in a tslab kernel);
 *  - SeriesPoints, the store's typed-array segments now, fed the same points the same way;
 *  - plotter.addScalar end to end (input checks, runs, the store), with the default memory bound;
 *  - the same with memoryBoundMB: 64 and three times the points, where older detail is merged into
 *    min/max buckets instead of growing.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const METRICS = 10;
const STEPS = Number(process.env.MP_BENCH_STEPS) || 1_000_000;

const steps = mode => (mode === 'bounded' ? 3 * STEPS : STEPS);

const script = mode => `
  const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
  const names = Array.from({ length: ${METRICS} }, (_, m) => 'metric' + m);
  const value = (s, m) => Math.exp(-s / 300000) + m * 0.01 + (s % 97) * 1e-4;
  let log, done = () => {};
  const { SeriesPoints } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel/metrics/points'))});
  if (${JSON.stringify(mode)} === 'nothing') {
    log = () => {};
  } else if (${JSON.stringify(mode)} === 'points') {
    const series = new Map(names.map(n => [n, new SeriesPoints()]));
    log = (name, v, step) => series.get(name).push(step, Number.isFinite(v) ? v : null, Date.now());
    globalThis.keep = series;
  } else if (${JSON.stringify(mode)} === 'arrays') {
    const series = new Map(names.map(n => [n, { steps: [], values: [], times: [] }]));
    log = (name, v, step) => {
      const s = series.get(name);
      s.steps.push(step);
      s.values.push(Number.isFinite(v) ? v : null);
      s.times.push(Date.now());
    };
    globalThis.keep = series;
  } else {
    const plotter = new MetricsPlotter({ root: process.argv[1], ...(${JSON.stringify(mode)} === 'bounded' ? { memoryBoundMB: 64 } : {}) });
    log = (name, v, step) => plotter.addScalar(name, v, step);
    done = () => plotter.close();
    globalThis.keep = plotter;
  }
  global.gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < ${steps(mode)}; s++) for (let m = 0; m < ${METRICS}; m++) log(names[m], value(s, m), s);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  global.gc();
  const grown = process.memoryUsage().rss - rss0;
  done();
  console.log(JSON.stringify({ seconds, points: ${METRICS * steps(mode)}, bytesPerPoint: grown / ${METRICS * steps(mode)}, grownBytes: grown }));`;

function pointsMemoryBench() {
  const out = { metrics: METRICS, steps: STEPS };
  for (const mode of ['nothing', 'arrays', 'points', 'plotter', 'bounded']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-points-'));
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script(mode), dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(r.stderr);
    out[mode] = JSON.parse(r.stdout.trim().split('\n').pop());
  }
  return out;
}

module.exports = { pointsMemoryBench };
if (require.main === module) console.log(JSON.stringify(pointsMemoryBench(), null, 1));
