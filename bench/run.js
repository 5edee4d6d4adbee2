#!/usr/bin/env node
/**
 * `npm run bench`: speed and memory, measured side by side in one run on this machine, printed as
 * a table of ratios and written to bench/results.md. Nothing here is asserted; goals are printed
 * next to the numbers. Needs the build (lib/) and, for the cleanup and chart rows, the venv and
 * Chromium that scripts/setup.sh and scripts/test.sh install.
 */
const { execFileSync, spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MetricsPlotter } = require('../lib/kernel');
const { plotterInternals, findFfmpeg, ffmpegArgs } = require('../internals');
const { chartBench } = require('./chart');
const { panelBench } = require('./panel');
const { livePanelBench, longSessionBench, runsPanelBench } = require('./live-panel');
const { pointsMemoryBench } = require('./points-memory');
const { encodePoolBench } = require('./encode-pool');
const { logdirBench } = require('./logdir');

const ROOT = path.resolve(__dirname, '..');
const W = 256;
const H = 256;
/** Encodes on 2 cores are noisy (x264's threads take both): more pairs, ratios taken pair by pair. */
const ENCODE_RUNS = 7;

function frame(t) {
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      data[i] = (x + t) & 255;
      data[i + 1] = (y + 2 * t) & 255;
      data[i + 2] = (x ^ y) & 255;
      data[i + 3] = 255;
    }
  return { width: W, height: H, data };
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = f => {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};
async function secondsAsync(f) {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Our pipeline against the raw ffmpeg CLI on the same raw frames, and the seed's images-then-encode route. */
async function encodeBench(count) {
  const ffmpeg = findFfmpeg().path;
  const frames = Array.from({ length: count }, (_, t) => frame(t));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-encode-'));
  const raw = path.join(work, 'frames.rgba');
  fs.writeFileSync(raw, Buffer.concat(frames.map(f => Buffer.from(f.data.buffer))));
  const opts = { fps: 30, width: W, height: H, channels: 4 };
  const ours = [],
    cli = [],
    cliPipe = [],
    seed = [],
    ratios = [],
    nodeCpu = [],
    ffmpegCpuOurs = [],
    ffmpegCpuCli = [];
  // Where the time goes: ffmpeg's own CPU (user + sys, from /usr/bin/time around it) in both routes,
  // and the CPU our Node process spends feeding the pipe. Every ffmpeg a route runs appends its line
  // (ours also encodes the video's still for static outputs), and the lines are summed.
  const timeOut = path.join(work, 'ffmpeg-cpu');
  const timing = fs.existsSync('/usr/bin/time');
  const wrapper = path.join(work, 'timed-ffmpeg');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/time -a -o ${timeOut} -f "%U %S" ${ffmpeg} "$@"\n`, { mode: 0o755 });
  /** The CPU of the ffmpeg processes run since it was last read. */
  const cpuOfFfmpeg = () => {
    const lines = fs.readFileSync(timeOut, 'utf8').trim().split('\n');
    fs.rmSync(timeOut);
    return lines.flatMap(line => line.split(' ').map(Number)).reduce((a, b) => a + b, 0);
  };
  for (let run = 0; run < ENCODE_RUNS; run++) {
    // ours: addVideoFromFrames (one ffmpeg, frames through a pipe), then close() removes it
    if (timing) process.env.METRICS_PLOTTER_FFMPEG = wrapper;
    const plotter = new MetricsPlotter({ title: 'bench', root: work });
    const cpu0 = process.cpuUsage();
    ours.push(await secondsAsync(() => plotter.addVideoFromFrames('v', frames, { fps: 30 })));
    const cpu = process.cpuUsage(cpu0);
    nodeCpu.push((cpu.user + cpu.system) / 1e6);
    delete process.env.METRICS_PLOTTER_FFMPEG;
    if (timing) ffmpegCpuOurs.push(cpuOfFfmpeg());
    plotter.close();
    // the raw CLI: the same arguments, reading the frames from a file
    cli.push(seconds(() => execFileSync(timing ? wrapper : ffmpeg, ffmpegArgs(opts, raw, path.join(work, 'cli.mp4')))));
    if (timing) ffmpegCpuCli.push(cpuOfFfmpeg());
    ratios.push(ours[ours.length - 1] / cli[cli.length - 1]);
    // the same CLI fed the same file through a pipe from Node: what the pipe alone costs
    cliPipe.push(
      await secondsAsync(
        () =>
          new Promise((resolve, reject) => {
            const child = spawn(ffmpeg, ffmpegArgs(opts, 'pipe:0', path.join(work, 'pipe.mp4')), {
              stdio: ['pipe', 'ignore', 'inherit']
            });
            fs.createReadStream(raw).pipe(child.stdin);
            child.on('error', reject);
            child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
          })
      )
    );
    // the seed's route: every frame written as an image file, then encoded from the images
    const images = fs.mkdtempSync(path.join(work, 'images-'));
    seed.push(
      seconds(() => {
        frames.forEach((f, i) => {
          const header = Buffer.from(`P7\nWIDTH ${W}\nHEIGHT ${H}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n`);
          fs.writeFileSync(
            path.join(images, `f${String(i).padStart(5, '0')}.pam`),
            Buffer.concat([header, Buffer.from(f.data.buffer)])
          );
        });
        const args = ffmpegArgs(opts, path.join(images, 'f%05d.pam'), path.join(work, 'seed.mp4'));
        args.splice(args.indexOf('-f'), 6, '-framerate', '30'); // image sequence input instead of rawvideo
        args.splice(args.indexOf('-r'), 2);
        execFileSync(ffmpeg, args);
      })
    );
    fs.rmSync(images, { recursive: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
  return {
    ours: median(ours),
    cli: median(cli),
    cliPipe: median(cliPipe),
    seed: median(seed),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    runs: ENCODE_RUNS,
    nodeCpu: median(nodeCpu),
    ffmpegCpuOurs: timing ? median(ffmpegCpuOurs) : null,
    ffmpegCpuCli: timing ? median(ffmpegCpuCli) : null
  };
}

/** Peak RSS of a node process that makes 1000 frames on the fly: without encoding, streaming, and holding them all. */
function memoryBench() {
  const script = mode => `
    const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
    const W = ${W}, H = ${H}, N = 1000;
    const frame = t => ({ width: W, height: H, data: new Uint8Array(W * H * 4).fill(t & 255) });
    (async () => {
      const p = new MetricsPlotter({ root: process.argv[1] });
      if (${JSON.stringify(mode)} === 'baseline') { let s = 0; for (let t = 0; t < N; t++) s += frame(t).data[0]; }
      if (${JSON.stringify(mode)} === 'streaming') { const w = p.createVideoWriter('v', { fps: 30, width: W, height: H }); for (let t = 0; t < N; t++) await w.write(frame(t)); await w.finish(); }
      if (${JSON.stringify(mode)} === 'array') { await p.addVideoFromFrames('v', Array.from({ length: N }, (_, t) => frame(t)), { fps: 30 }); }
      p.close();
      console.log(process.resourceUsage().maxRSS * 1024);
    })();`;
  const out = {};
  for (const mode of ['baseline', 'streaming', 'array']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-mem-'));
    const r = spawnSync(process.execPath, ['-e', script(mode), dir], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(r.stderr);
    out[mode] = Number(r.stdout.trim());
  }
  return out;
}

/** Bytes one show() adds to a saved notebook, against inlining the videos as base64. */
async function growthBench() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-growth-'));
  const rows = {};
  for (const points of [1, 100000]) {
    const plotter = new MetricsPlotter({ title: 'growth', root: work });
    for (let s = 0; s < 10; s++)
      plotter.addMetric(
        `metric/${s}`,
        Array.from({ length: points }, (_, i) => Math.exp(-i / 1000) + s)
      );
    const frames = Array.from({ length: 60 }, (_, t) => frame(t));
    for (let v = 0; v < 10; v++) await plotter.addVideoFromFrames(`video ${v}`, frames, { fps: 30 });
    const internals = plotterInternals(plotter);
    const data = internals.bundle('v0');
    const output = { output_type: 'display_data', data, metadata: {} };
    const ours = Buffer.byteLength(JSON.stringify(output));
    const parts = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v))]));
    // The static charts' cost: the whole bundle against its payload alone (median of 9 each).
    const median = f => {
      const t = Array.from({ length: 9 }, () => {
        const t0 = process.hrtime.bigint();
        f();
        return Number(process.hrtime.bigint() - t0) / 1e6;
      }).sort((a, b) => a - b);
      return t[4];
    };
    const payloadMs = median(() => internals.payload('v0'));
    const bundleMs = median(() => internals.bundle('v0'));
    const inlined = plotter.videos.reduce(
      (sum, v) =>
        sum +
        Buffer.byteLength(
          `<video controls src="data:video/mp4;base64,${fs.readFileSync(v.absolutePath).toString('base64')}"></video>`
        ),
      0
    );
    rows[points] = { ours, inlined: ours + inlined, parts, payloadMs, bundleMs };
    plotter.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
  return rows;
}

/** Runs one of the jupyter_client-driven benchmarks (a real tslab kernel) and returns its JSON. */
function kernelBench(script) {
  const python = path.join(ROOT, '.venv', 'bin', 'python');
  const notebooks = path.join(ROOT, '.test-notebooks');
  fs.mkdirSync(path.join(notebooks, 'node_modules'), { recursive: true });
  try {
    fs.symlinkSync(ROOT, path.join(notebooks, 'node_modules', 'metrics-plotter'), 'dir');
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  const env = { ...process.env, JUPYTER_PATH: path.join(ROOT, '.venv', 'share', 'jupyter') };
  const out = execFileSync(python, [path.join(__dirname, script), notebooks], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}
const cleanupBench = () => kernelBench('cleanup.py');
const liveBench = () => kernelBench('live.py');
const streamBench = () => kernelBench('stream.py');

const fmt = (s, unit = 's') =>
  unit === 'ms' ? `${s.toFixed(1)} ms` : s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(3)} s`;
const mb = b => `${(b / 1e6).toFixed(1)} MB`;
const kb = b => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : mb(b));
const x = r => `${r.toFixed(2)}×`;
const RUNS_TEXT = ld =>
  `${ld.runs} runs × ${ld.tags} tags × ${ld.steps.toLocaleString('en')} steps, ${ld.events.toLocaleString('en')} scalar events`;

async function main() {
  const lines = [];
  const row = cells => lines.push(`| ${cells.join(' | ')} |`);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  lines.push(
    `# metrics-plotter benchmarks`,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ffmpeg from ${findFfmpeg().source}. Medians; every row measured side by side in this run.`,
    ''
  );

  lines.push(
    '## Encode: 256×256 RGBA frames to H.264 MP4',
    '',
    '| frames | ours (pipe) | raw ffmpeg CLI (file) | the CLI fed the file through a pipe | seed route (images, then encode) | ours / CLI pair by pair: median (min–max) (goal ≤ 1.10×) | ours / CLI through a pipe | seed / ours |',
    '|---|---|---|---|---|---|---|---|'
  );
  const profiles = [];
  for (const n of [100, 1000]) {
    process.stderr.write(`encode ${n}…\n`);
    const r = await encodeBench(n);
    profiles.push([n, r]);
    row([
      n,
      fmt(r.ours),
      fmt(r.cli),
      fmt(r.cliPipe),
      fmt(r.seed),
      `${x(r.ratio)} (${x(r.ratioMin)}–${x(r.ratioMax)}, ${r.runs} pairs)`,
      x(r.ours / r.cliPipe),
      x(r.seed / r.ours)
    ]);
  }
  lines.push(
    '',
    'Where the time goes (CPU seconds, medians): ffmpeg does the same work in both routes; what the pipe adds is the',
    "CPU our Node process spends writing the frames into it, on a machine whose cores x264's threads already fill.",
    '',
    '| frames | ffmpeg CPU, ours | ffmpeg CPU, CLI on a file | Node CPU during our encode | cores |',
    '|---|---|---|---|---|'
  );
  for (const [n, r] of profiles) {
    row([
      n,
      r.ffmpegCpuOurs === null ? 'n/a' : fmt(r.ffmpegCpuOurs),
      r.ffmpegCpuCli === null ? 'n/a' : fmt(r.ffmpegCpuCli),
      fmt(r.nodeCpu),
      os.cpus().length
    ]);
  }
  process.stderr.write('memory…\n');
  const m = memoryBench();
  const frameBytes = W * H * 4;
  lines.push('', '| peak RSS, 1000 frames made on the fly | bytes | beyond the no-encode baseline |', '|---|---|---|');
  row(['baseline (frames made, not encoded)', mb(m.baseline), '']);
  row([
    'streaming `createVideoWriter`',
    mb(m.streaming),
    `${mb(m.streaming - m.baseline)} = ${((m.streaming - m.baseline) / frameBytes).toFixed(1)} frames`
  ]);
  row([
    '`addVideoFromFrames` (all frames held)',
    mb(m.array),
    `${mb(m.array - m.baseline)} = ${((m.array - m.baseline) / frameBytes).toFixed(1)} frames`
  ]);
  lines.push('', 'ffmpeg runs in its own process in every form; the rows above are the Node side only.');

  process.stderr.write('cleanup…\n');
  try {
    const c = cleanupBench();
    lines.push(
      '',
      '## Cleanup (real tslab kernel, driven by jupyter_client)',
      '',
      '| videos | shutdown request → assets/ gone (goal ≤ 0.2 s; spec ≤ 5 s) | SIGKILL → assets/ gone, by the watchdog (goal ≤ 1 s) | plotter.close() | rm -rf of the same files | shutdown / rm -rf | SIGKILL / shutdown |',
      '|---|---|---|---|---|---|---|'
    );
    for (const n of ['1', '10'])
      row([
        n,
        fmt(c[n].shutdown_s),
        fmt(c[n].sigkill_s),
        fmt(c[n].close_s),
        fmt(c[n].rm_rf_s),
        x(c[n].shutdown_s / c[n].rm_rf_s),
        x(c[n].sigkill_s / c[n].shutdown_s)
      ]);
    lines.push(
      '',
      '`rm -rf` includes starting the process, as a user typing it would. After a SIGKILL no hook runs: the',
      "kernel's watchdog sees its pipe close and only then starts Node to remove the files, which is most of",
      `its time. While it waits the watchdog is a shell holding ${(c['1'].watchdog_rss_kb / 1024).toFixed(1)} MB of resident memory (median).`
    );
  } catch (e) {
    lines.push('', `Cleanup: not measured (${String(e.message).split('\n')[0]}); run ./scripts/setup.sh first.`);
  }

  process.stderr.write('live updates…\n');
  try {
    const l = liveBench();
    lines.push(
      '',
      `## Live updates while training (real tslab kernel, driven by jupyter_client)`,
      '',
      `A loop of ${l.steps} steps, each ${l.work_ms} ms of its own work and then one value added to every metric (each already holding 200 points), timed inside the kernel with the plotter shown (live updates on) and not shown.`,
      '',
      '| metrics | loop, shown | loop, not shown | shown / not shown | largest output message (goal ≤ 2 MB) | all output messages | messages |',
      '|---|---|---|---|---|---|---|'
    );
    for (const m of ['10', '1000', '10000']) {
      const r = l.rows[m];
      row([
        Number(m).toLocaleString('en'),
        fmt(r.shown_ms / 1000),
        fmt(r.hidden_ms / 1000),
        x(r.ratio),
        kb(r.largest_bytes),
        kb(r.total_bytes),
        r.messages
      ]);
    }
  } catch (e) {
    lines.push('', `Live updates: not measured (${String(e.message).split('\n')[0]}); run ./scripts/setup.sh first.`);
  }

  process.stderr.write('live stream bytes…\n');
  try {
    const st = streamBench();
    lines.push(
      '',
      '## Bytes sent to the frontend during a live run (real tslab kernel, driven by jupyter_client)',
      '',
      `${st.series} series logged at ${st.rate} steps a second for ${st.seconds} s; every iopub message content and binary buffer for the run counted; median of ${st.runs} runs of each, side by side.`,
      '',
      '| updates | bytes / s | of which display (what the notebook saves) | of which comm stream | of which widget model | full / this |',
      '|---|---|---|---|---|---|'
    );
    row(['no page subscribed: the whole payload every update', kb(st.full.bytes_per_s), kb(st.full.bytes_per_s), '0', '0', '']);
    row([
      'a page subscribed: new points over the comm, display every 5 s',
      kb(st.deltas.bytes_per_s),
      kb(st.deltas.display_bytes_per_s),
      kb(st.deltas.stream_bytes_per_s),
      '0',
      x(st.ratio)
    ]);
    row([
      'the same page with jupyterlab_widgets: the widget model gets each display refresh too',
      kb(st.widget.bytes_per_s),
      '',
      '',
      kb(st.widget.widget_bytes_per_s),
      x(st.widget_ratio)
    ]);
  } catch (e) {
    lines.push('', `Live stream bytes: not measured (${String(e.message).split('\n')[0]}); run ./scripts/setup.sh first.`);
  }

  process.stderr.write('panel at scale…\n');
  try {
    const lp = await livePanelBench();
    lines.push(
      '',
      `## Responsive at scale: ${lp.metrics} metrics × ${lp.points.toLocaleString('en')} points updated ${lp.updatesPerS}× a second for ${lp.seconds} s (JupyterLab, headless Chromium)`,
      '',
      'One output in a 1000 px wide, scrolling host; 25 new points per metric per update. "Whole payload" is every update as a display message at the 1.5 MB budget live updates had before the comm (parsed and rendered each time); "stream" is the comm path: a snapshot, then only new points (the kernel\'s own LiveStream messages, sent to the page over a websocket and fed to the renderer). First paint: until the charts on screen draw (for the stream, its snapshot). Long tasks are those over 50 ms (Long Tasks API), counted while updates come.',
      '',
      '| updates | first paint | longest main-thread task | long tasks | median update until drawn | updates / s reached |',
      '|---|---|---|---|---|---|'
    );
    for (const [name, r] of [
      ['whole payload every update', lp.full],
      ['comm stream (deltas)', lp.stream]
    ]) {
      row([
        name,
        fmt(r.firstPaintMs, 'ms'),
        fmt(r.longestTaskMs, 'ms'),
        r.longTasks,
        fmt(r.medianUpdateMs, 'ms'),
        r.updatesPerS.toFixed(2)
      ]);
    }
  } catch (e) {
    lines.push(
      '',
      `Panel at scale: not measured (${String(e.message).split('\n')[0]}); run ./scripts/test.sh first (JupyterLab, Chromium).`
    );
  }

  process.stderr.write('runs at scale…\n');
  try {
    const rp = await runsPanelBench();
    lines.push(
      '',
      `## Runs at scale: 20 and 100 runs × ${rp.metrics} metrics × ${rp.points.toLocaleString('en')} points against 1 run, updated ${rp.updatesPerS}× a second for ${rp.seconds} s (JupyterLab, headless Chromium)`,
      '',
      "The comm stream as above (series held by the kernel, sent at the chart's width). First paint: until every chart on screen draws the kernel's snapshot. Hover: the first chart hovered at 20 places; the main thread's work for one (the mouse move, every legend re-rendered, the frame's style, layout and paint), and in brackets the median time until the next frame, which also waits for the frame's slot. Long tasks (over 50 ms) are counted while the runs train, not during the first paint. Grouped: the 20 runs grouped by learning rate (4 groups, mean line and min–max band) while they train. At 100 runs, the hyperparameters view is opened (a click on its title, until a line per run is drawn, then a frame) and brushed by keyboard on its first axis (until the runs table hides the runs outside it, then a frame), and left open while they train; the runs table lists 25 rows and a media card 12 tiles until asked for all.",
      '',
      '| output | first paint (goal ≤ 2× 1 run) | hover work median / longest (goal ≤ 16 ms) | longest main-thread task (goal ≤ 50 ms) | long tasks | median update until drawn | updates / s reached |',
      '|---|---|---|---|---|---|---|'
    );
    for (const [name, r] of [
      ['1 run', rp.oneRun],
      ['20 runs', rp.twentyRuns],
      ['20 runs in 4 groups', rp.twentyRunsGrouped],
      ['100 runs, hyperparameters view open', rp.hundredRuns]
    ]) {
      row([
        name,
        `${fmt(r.firstPaintMs, 'ms')}${r === rp.oneRun ? '' : ` (${x(r.firstPaintMs / rp.oneRun.firstPaintMs)})`}`,
        r.hoverMs === undefined
          ? '–'
          : `${fmt(r.hoverMs, 'ms')} / ${fmt(r.longestHoverMs, 'ms')} (${fmt(r.hoverUntilFrameMs, 'ms')})`,
        fmt(r.longestTaskMs, 'ms'),
        r.longTasks,
        fmt(r.medianUpdateMs, 'ms'),
        r.updatesPerS.toFixed(2)
      ]);
    }
    const h = rp.hundredRuns;
    lines.push(
      '',
      `At 100 runs, the hyperparameters view opened in ${fmt(h.sweepOpenMs, 'ms')} and a keyboard brush hid the runs outside it in ${fmt(h.brushMs, 'ms')} (each until the next frame was painted).`
    );
  } catch (e) {
    lines.push(
      '',
      `Runs at scale: not measured (${String(e.message).split('\n')[0]}); run ./scripts/test.sh first (JupyterLab, Chromium).`
    );
  }

  process.stderr.write('a long session (30 minutes)…\n');
  try {
    const ls = await longSessionBench();
    const r = ls.result;
    lines.push(
      '',
      `## A long session: a page left open on a live ${ls.runs}-run sweep × ${ls.metrics} metrics for ${r.minutes.toFixed(0)} minutes, ${ls.updatesPerS} updates a second (JupyterLab, headless Chromium)`,
      '',
      "The page's JavaScript heap in use after a forced full collection (CDP's HeapProfiler.collectGarbage, twice), once the output had drawn the kernel's snapshot and again after the last update was drawn, with the output still on the page; and the saved output's size at the end (what the notebook keeps).",
      '',
      '| heap at the start | heap at the end | growth (goal ≤ 10 MB) | saved output (goal < 100 kB) | longest main-thread task | long tasks | updates / s reached |',
      '|---|---|---|---|---|---|---|'
    );
    row([
      `${r.heapAtStartMB.toFixed(1)} MB`,
      `${r.heapAtEndMB.toFixed(1)} MB`,
      `${(r.heapAtEndMB - r.heapAtStartMB).toFixed(1)} MB`,
      `${(r.savedOutputBytes / 1000).toFixed(1)} kB`,
      fmt(r.longestTaskMs, 'ms'),
      r.longTasks,
      r.updatesPerS.toFixed(2)
    ]);
  } catch (e) {
    lines.push(
      '',
      `A long session: not measured (${String(e.message).split('\n')[0]}); run ./scripts/test.sh first (JupyterLab, Chromium).`
    );
  }

  process.stderr.write('chart…\n');
  try {
    const ch = await chartBench();
    lines.push(
      '',
      '## Chart (uPlot as <mp-metric-chart> configures it, headless Chromium)',
      '',
      '| 10 series × | first paint (goal ≤ 200 ms) | hover | paint / goal |',
      '|---|---|---|---|'
    );
    row([
      "100,000 points drawn in full (not what the panel draws: the kernel sends series at the chart's width)",
      fmt(ch.full.paintMs, 'ms'),
      fmt(ch.full.hoverMs, 'ms'),
      x(ch.full.paintMs / 200)
    ]);
    row([
      '2,000 points (default payload downsampling)',
      fmt(ch.downsampled.paintMs, 'ms'),
      fmt(ch.downsampled.hoverMs, 'ms'),
      x(ch.downsampled.paintMs / 200)
    ]);
  } catch (e) {
    lines.push('', `Chart: not measured (${String(e.message).split('\n')[0]}); install Chromium (scripts/test.sh does).`);
  }

  process.stderr.write('panel…\n');
  try {
    const pb = await panelBench();
    lines.push(
      '',
      "## Panel: first paint of one output in JupyterLab (the venv's, with the installed extension; headless Chromium)",
      '',
      "Through JupyterLab's own rendermime registry, for payloads as the kernel builds them; median of 5.",
      '',
      '| output | payload bytes | first paint |',
      '|---|---|---|'
    );
    for (const [name, r] of Object.entries(pb)) row([name, kb(r.bytes), fmt(r.paintMs, 'ms')]);
  } catch (e) {
    lines.push(
      '',
      `Panel: not measured (${String(e.message).split('\n')[0]}); run ./scripts/test.sh first (JupyterLab, Chromium).`
    );
  }

  process.stderr.write('points in the kernel…\n');
  const pm = pointsMemoryBench();
  lines.push(
    '',
    `## Points in the kernel: ${pm.metrics} metrics × ${pm.steps.toLocaleString('en')} steps (one Node process each, RSS growth after a full GC)`,
    '',
    '| kept as | points logged | RSS growth | per point (goal ≤ 16 B) | time | per point vs arrays |',
    '|---|---|---|---|---|---|'
  );
  for (const [name, r] of [
    ['JavaScript arrays (the store before)', pm.arrays],
    ['SeriesPoints typed-array segments (the store now)', pm.points],
    ['plotter.addScalar end to end (default bound)', pm.plotter],
    ['plotter.addScalar, memoryBoundMB: 64', pm.bounded]
  ])
    row([
      name,
      r.points.toLocaleString('en'),
      mb(r.grownBytes),
      `${r.bytesPerPoint.toFixed(1)} B`,
      fmt(r.seconds),
      x(pm.arrays.bytesPerPoint / r.bytesPerPoint)
    ]);

  process.stderr.write('TensorBoard log directories…\n');
  try {
    const ld = await logdirBench();
    const rate = r => `${Math.round(r.events / r.seconds).toLocaleString('en')} events/s`;
    const rustRate = r => `${Math.round(ld.events / r.seconds).toLocaleString('en')} events/s`;
    lines.push(
      '',
      `## TensorBoard log directory: ${RUNS_TEXT(ld)} (${mb(ld.bytes)}), read whole (each reader in its own process)`,
      '',
      '| reader | time | events/s | peak RSS | rate vs rustboard --checksum |',
      '|---|---|---|---|---|'
    );
    const rustSpeed = ld.events / ld.rustChecksum.seconds;
    row([
      `ours: reading alone, in ${ld.reader.inWorkers ? 'worker threads (one a core)' : 'one thread (workers did not start)'}, every CRC checked`,
      fmt(ld.reader.seconds),
      rate(ld.reader),
      mb(ld.reader.peakBytes),
      x(ld.reader.events / ld.reader.seconds / rustSpeed)
    ]);
    row([
      'ours: reading alone, in one thread (LogdirReader)',
      fmt(ld.inThread.seconds),
      rate(ld.inThread),
      mb(ld.inThread.peakBytes),
      x(ld.inThread.events / ld.inThread.seconds / rustSpeed)
    ]);
    row([
      `ours: plotter.watch into a plotter (default bound, ${Math.round(ld.plotter.boundMB)} MB)`,
      fmt(ld.plotter.seconds),
      rate(ld.plotter),
      mb(ld.plotter.peakBytes),
      x(ld.plotter.events / ld.plotter.seconds / rustSpeed)
    ]);
    row([
      `ours: plotter.watch, memoryBoundMB: 64${ld.bounded.boundReached ? ' (reached)' : ''}`,
      fmt(ld.bounded.seconds),
      rate(ld.bounded),
      mb(ld.bounded.peakBytes),
      x(ld.bounded.events / ld.bounded.seconds / rustSpeed)
    ]);
    row([
      'rustboard 0.7.2 --checksum: first load cycle (keeps 1,000 points a tag)',
      fmt(ld.rustChecksum.seconds),
      rustRate(ld.rustChecksum),
      mb(ld.rustChecksum.peakBytes),
      '1.00×'
    ]);
    row([
      'rustboard 0.7.2, its default (CRC checked only when parsing fails)',
      fmt(ld.rustDefault.seconds),
      rustRate(ld.rustDefault),
      mb(ld.rustDefault.peakBytes),
      x(ld.events / ld.rustDefault.seconds / rustSpeed)
    ]);
    row([
      `EventAccumulator (Python), ${ld.accumulator.events.toLocaleString('en')} events of 2 runs`,
      fmt(ld.accumulator.seconds),
      rate(ld.accumulator),
      mb(ld.accumulator.peakBytes),
      x(ld.accumulator.events / ld.accumulator.seconds / rustSpeed)
    ]);
    lines.push(
      '',
      `Following ${ld.follow.runs} runs that append 100 scalars a second each (polls every 2 s, and reads when the file system tells of a change, at most twice a second): ${((100 * ld.follow.cpuSeconds) / ld.follow.seconds).toFixed(1)}% of one core over ${ld.follow.seconds} s, ${ld.follow.events.toLocaleString('en')} events read (goal < 5%). rustboard uses every core (2 here), as our reading workers do.`,
      '',
      `From a record written to a followed run's file until the watching plotter holds its point (20 records): median ${fmt(ld.latency.medianMs, 'ms')}, longest ${fmt(ld.latency.maxMs, 'ms')}. The page's part comes after the output's update throttle (liveUpdateMs, 250 ms): "median update until drawn" in the live rows above.`
    );
  } catch (e) {
    lines.push(
      '',
      `TensorBoard log directory: not measured (${String(e.message).split('\n')[0]}); run ./scripts/test.sh first (.venv-tensorboard).`
    );
  }

  process.stderr.write('rollouts logged without await…\n');
  const ep = encodePoolBench();
  lines.push(
    '',
    `## Rollouts logged without await: ${ep.rollouts} rollouts of ${ep.frames} frames at ${ep.side}×${ep.side}, logged at once (one Node process each)`,
    '',
    '| encodes | until all encoded | ffmpeg at once (most) | peak RSS of the ffmpeg processes together | peak RSS of Node | time vs all at once | ffmpeg memory vs all at once |',
    '|---|---|---|---|---|---|---|'
  );
  for (const [name, r] of [
    [`taking turns, one per core (maxEncodes ${ep.cores}, the default)`, ep.pooled],
    ['all at once (as before the pool)', ep.allAtOnce]
  ])
    row([
      name,
      fmt(r.seconds),
      String(r.most),
      `${r.peakFfmpegMB.toFixed(0)} MB`,
      `${r.peakNodeMB.toFixed(0)} MB`,
      x(r.seconds / ep.allAtOnce.seconds),
      x(r.peakFfmpegMB / ep.allAtOnce.peakFfmpegMB)
    ]);
  lines.push(
    '',
    'The rollouts share one frames array, so Node holds the frames once either way; memory sampled from /proc every 10 ms.'
  );

  process.stderr.write('notebook growth…\n');
  const g = await growthBench();
  lines.push(
    '',
    '## Notebook growth: one show() with 10 series and 10 videos (60 frames each)',
    '',
    '| points per series | bytes added (videos referenced; goal ≤ 100 kB) | videos inlined as base64 | inlined / ours |',
    '|---|---|---|---|'
  );
  for (const p of ['1', '100000'])
    row([Number(p).toLocaleString('en'), kb(g[p].ours), kb(g[p].inlined), x(g[p].inlined / g[p].ours)]);
  lines.push(
    '',
    '| points per series | payload (panel) | text/html (static charts, table) | text/plain | building the bundle | its payload alone | bundle / payload |',
    '|---|---|---|---|---|---|---|'
  );
  for (const p of ['1', '100000']) {
    const { parts, payloadMs, bundleMs } = g[p];
    row([
      Number(p).toLocaleString('en'),
      kb(parts['application/vnd.metrics-plotter.v2+json']),
      kb(parts['text/html']),
      kb(parts['text/plain']),
      fmt(bundleMs, 'ms'),
      fmt(payloadMs, 'ms'),
      x(bundleMs / payloadMs)
    ]);
  }
  lines.push(
    '',
    'The displayed output is what a notebook saves: its metrics take at most 48 kB, its static charts 20 kB and its stills 14 kB (each series downsampled to its share, min and max of each bucket, first and last point kept); live views draw in detail from the comm instead.',
    '',
    'Reproduce: `./scripts/setup.sh && npm run bench`.',
    ''
  );

  const text = lines.join('\n');
  fs.writeFileSync(path.join(__dirname, 'results.md'), text);
  console.log(text);
}

module.exports = { encodeBench, memoryBench, growthBench, cleanupBench, liveBench, streamBench };
if (require.main === module) {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
}
