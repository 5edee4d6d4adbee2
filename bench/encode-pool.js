/**
 * A loop that logs rollouts without awaiting them: 40 rollouts of 120 frames at 256×256, logged
 * at once, each way in its own Node process, side by side:
 *  - the encodes taking turns, one per core (the plotter's default maxEncodes);
 *  - all at once (maxEncodes: 1000), as every encode started before the pool.
 * Measured: wall time until every rollout is encoded, the most ffmpeg processes at once, and the
 * peak of their resident memory together (sampled from /proc every 10 ms), with Node's own peak.
 * The rollouts share one frames array, so Node holds the frames once either way.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const ROLLOUTS = 40;
const FRAMES = 120;
const SIDE = 256;

const script = maxEncodes => `
  const fs = require('fs');
  const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
  const rssKb = pid => {
    try {
      const line = fs.readFileSync('/proc/' + pid + '/status', 'utf8').split('\\n').find(l => l.startsWith('VmRSS:'));
      return line ? Number(line.split(/\\s+/)[1]) : 0;
    } catch { return 0; }
  };
  const ffmpegChildren = () => fs.readdirSync('/proc').filter(e => /^\\d+$/.test(e)).filter(e => {
    try {
      const stat = fs.readFileSync('/proc/' + e + '/stat', 'utf8');
      const close = stat.lastIndexOf(')');
      return stat.slice(stat.indexOf('(') + 1, close) === 'ffmpeg' && Number(stat.slice(close + 2).split(' ')[1]) === process.pid;
    } catch { return false; }
  });
  const frames = Array.from({ length: ${FRAMES} }, (_, t) => ({ width: ${SIDE}, height: ${SIDE}, data: new Uint8Array(${SIDE * SIDE * 4}).map((_, i) => (i + t * 7) & 255) }));
  const plotter = new MetricsPlotter({ root: process.argv[1], maxEncodes: ${maxEncodes} });
  let most = 0, peakFfmpegKb = 0, peakNodeKb = 0;
  const sample = setInterval(() => {
    const children = ffmpegChildren();
    most = Math.max(most, children.length);
    peakFfmpegKb = Math.max(peakFfmpegKb, children.reduce((sum, pid) => sum + rssKb(pid), 0));
    peakNodeKb = Math.max(peakNodeKb, rssKb(process.pid));
  }, 10);
  const t0 = process.hrtime.bigint();
  Promise.all(Array.from({ length: ${ROLLOUTS} }, (_, i) => plotter.addVideoFromFrames('rollout', frames, { fps: 30, step: i }))).then(() => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sample);
    plotter.close();
    console.log(JSON.stringify({ seconds, most, peakFfmpegMB: peakFfmpegKb / 1024, peakNodeMB: peakNodeKb / 1024 }));
  });`;

function encodePoolBench() {
  const run = maxEncodes => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-pool-'));
    try {
      const r = spawnSync(process.execPath, ['-e', script(maxEncodes), root], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`encode pool bench (maxEncodes ${maxEncodes}) failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop());
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { rollouts: ROLLOUTS, frames: FRAMES, side: SIDE, cores, pooled: run(cores), allAtOnce: run(1000) };
}

module.exports = { encodePoolBench };

if (require.main === module) console.log(JSON.stringify(encodePoolBench(), null, 1));
