/**
 * What a logged point costs the kernel: 10 metrics × 1,000,000 addScalar calls, each way in its own
 * Node process (RSS growth after a full GC, divided by the points, and the time the calls took):
 *  - JavaScript arrays: steps, values and times as the store kept them before (a values array that
 *    may hold gaps as null keeps every number boxed, about 64 bytes a point in a tslab kernel);
 *  - the store now (typed-array segments, 16 bytes a point), through MetricsPlotter.addScalar;
 *  - the same with a 64 MB memory bound: older detail merged into min/max buckets instead of growing.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const METRICS = 10;
const STEPS = 1_000_000;

const script = mode => `
  const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
  const names = Array.from({ length: ${METRICS} }, (_, m) => 'metric' + m);
  const value = (s, m) => Math.exp(-s / 300000) + m * 0.01 + (s % 97) * 1e-4;
  let log, done = () => {};
  if (${JSON.stringify(mode)} === 'arrays') {
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
  for (let s = 0; s < ${STEPS}; s++) for (let m = 0; m < ${METRICS}; m++) log(names[m], value(s, m), s);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  global.gc();
  const grown = process.memoryUsage().rss - rss0;
  done();
  console.log(JSON.stringify({ seconds, bytesPerPoint: grown / ${METRICS * STEPS}, grownBytes: grown }));`;

function pointsMemoryBench() {
  const out = { metrics: METRICS, steps: STEPS };
  for (const mode of ['arrays', 'store', 'bounded']) {
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
