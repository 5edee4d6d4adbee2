/**
 * Responsiveness at scale in real JupyterLab and Debian's Chromium: one output of 50 metrics ×
 * 100,000 points, updated 4 times a second for 30 s (25 new points per metric per update), two ways
 * side by side:
 *  - every update a whole payload, as every live update was before the comm (the display message at
 *    the byte budget it had then, 1.5 MB, parsed and rendered each time; also what a page without
 *    the comm still does, now at the saved budget);
 *  - the comm's stream: a snapshot once, then only the new points (the output's own path, over a
 *    typed stand-in of the page's sessions fed the kernel's own LiveStream messages: no kernel here).
 * Measured in the page: first paint (until the charts on screen draw; for the stream, its
 * snapshot), the longest main-thread task while updates come (the Long Tasks API reports tasks over
 * 50 ms), the median time from an update until every chart on screen has drawn it, and the updates
 * a second the page took (the next update is not held back until the last one is drawn; a whole
 * payload is rendered before the next is taken). Updates come over a websocket from this process,
 * which makes them as a kernel would.
 */
/* global document, KeyboardEvent, MouseEvent, requestAnimationFrame, window -- the measured code runs in the page */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { WebSocketServer } = require('ws');
const { withLabPage } = require('./panel');

const MIME = 'application/vnd.metrics-plotter.v2+json';
const METRICS = 50;
const POINTS = 100_000;
const UPDATES_PER_S = 4;
const SECONDS = Number(process.env.MP_BENCH_SECONDS) || 30;
const NEW_POINTS = 25;

/**
 * A plotter with `runs` runs of `metrics` metrics × 100k points (by default 1 run of 50), and what
 * its updates look like each way.
 */
function scenario({ runs = 1, metrics = METRICS } = {}) {
  // Each run its own noise (seeded), as real runs have: the kernel's min/max downsampling then keeps
  // other steps for each run, and a chart's runs do not share their x.
  let seed = 12345;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.02;
  const { MetricsPlotter } = require('../lib/kernel');
  const { plotterInternals, metricsWithinBudget, DETAIL_METRICS_BUDGET_BYTES } = require('../internals');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-live-panel-'));
  const plotter = new MetricsPlotter({ title: 'at scale', root });
  // One run: the plotter's own logging; several: named runs, each with every metric.
  const loggers =
    runs === 1
      ? [plotter]
      : Array.from({ length: runs }, (_, r) =>
          plotter.run(`seed ${r}`, { config: { lr: [1e-4, 3e-4, 1e-3, 3e-3][r % 4], seed: r } })
        );
  const runNames = runs === 1 ? [''] : loggers.map(l => l.name);
  loggers.forEach((logger, r) => {
    for (let m = 0; m < metrics; m++) {
      logger.addMetric(
        `layer${m}/loss`,
        Array.from({ length: POINTS }, (_, i) => Math.exp(-i / 30000) + 0.05 * Math.sin(i / 50) + m * 0.01 + r * 0.002 + noise())
      );
    }
  });
  const core = plotterInternals(plotter);
  let step = POINTS;
  const sent = [];
  const comm = { closed: false, send: (data, buffers) => sent.push({ data, buffers }) };
  return {
    /** The payload as the display carried it before the comm: every series at the 1.5 MB budget. */
    fullPayload() {
      const p = core.payload('v0');
      p.metrics = metricsWithinBudget(core.metrics.series, 2000, DETAIL_METRICS_BUDGET_BYTES, core.metrics.startedAt).metrics;
      return JSON.stringify(p);
    },
    savedPayload: () => ({ ...core.payload('v0'), kernel: { id: 'bench-kernel', pid: 1, cwd: root } }),
    subscribe(points) {
      const { series, buffers } = core.stream.subscribe(comm, 'v0', points);
      return {
        data: { reply: 'subscribe', plotterId: core.id, known: true, startedAt: core.metrics.startedAt, series },
        buffers
      };
    },
    /** Adds the next points; the stream's event for them. */
    train() {
      for (let k = 0; k < NEW_POINTS; k++, step++) {
        for (const run of runNames)
          for (let m = 0; m < metrics; m++)
            core.metrics.add(`layer${m}/loss`, Math.exp(-step / 30000) + m * 0.01 + noise(), step, run);
      }
      sent.length = 0;
      core.stream.push(core.id);
      return sent[0];
    },
    close() {
      plotter.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

const plain = ({ data, buffers }) => ({ data, buffers: buffers.map(b => Array.from(b)) });

/**
 * Hovering the first chart at 20 places. For each: the main thread's work for it (the mouse move,
 * every chart's legend re-rendered, then the frame's style, layout and paint: from its animation
 * frame callback until the next task), the goal being one frame (16 ms); and the time until the
 * next frame, which on top waits for the frame's slot (at least one frame, as the loop hovers
 * right after one).
 */
async function hover(page) {
  return page.evaluate(async () => {
    const over = window.mpRenderer.node.querySelector('mp-metric-chart .u-over');
    const charts = [...window.mpRenderer.node.querySelectorAll('mp-metric-chart')];
    const nextTask = () =>
      new Promise(resolve => {
        const channel = new MessageChannel();
        channel.port1.onmessage = resolve;
        channel.port2.postMessage(0);
      });
    const box = over.getBoundingClientRect();
    const work = [];
    const untilFrame = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      over.dispatchEvent(
        new MouseEvent('mousemove', {
          clientX: box.left + ((i + 0.5) * box.width) / 20,
          clientY: box.top + box.height / 2,
          bubbles: true
        })
      );
      await Promise.all(charts.map(c => c.updateComplete));
      const handled = performance.now() - t0;
      await window.mpFrame();
      const frame = performance.now();
      untilFrame.push(frame - t0);
      await nextTask();
      work.push(handled + performance.now() - frame);
    }
    const median = xs => xs.sort((a, b) => a - b)[10];
    return { medianMs: median(work), longestMs: Math.max(...work), untilFrameMs: median(untilFrame) };
  });
}

/** The page's JavaScript heap in use, in bytes, after a forced full collection (CDP). */
async function heapAfterCollection(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  } finally {
    await cdp.detach();
  }
}

/**
 * With MP_BENCH_PROFILE=<runs> (and a development build of the extension, for its names), the
 * page's CPU profile of the output of that many runs, from its first paint to its last update, is
 * written to the system's temporary folder for DevTools (or a script) to read. Not for numbers:
 * profiling slows the page.
 */
async function startProfile(page, runs) {
  if (process.env.MP_BENCH_PROFILE !== String(runs)) return null;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stop() {
      const { profile } = await cdp.send('Profiler.stop');
      const file = path.join(os.tmpdir(), `mp-bench-${runs}-runs.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      console.error(`profile of ${runs} runs: ${file}`);
      await cdp.detach();
    }
  };
}

/**
 * The hyperparameters view opened (a click on its title, until a line per run is drawn), then a
 * brush by keyboard on its first axis (until the runs table hides the runs outside it); left open
 * while the runs train. Each from the input event until the next frame has been painted.
 */
async function openSweep(page, runs) {
  return page.evaluate(async runs => {
    const node = window.mpRenderer.node;
    const frame = window.mpFrame;
    const t0 = performance.now();
    node.querySelector('mp-sweep-view .mp-chart-title').click();
    while (node.querySelectorAll('mp-sweep-view .mp-sweep-line').length < runs) await frame();
    await frame();
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    node.querySelector('mp-sweep-view .mp-axis').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    while (!node.querySelector('.mp-runs-table tr.mp-run-hidden')) await frame();
    await frame();
    return { sweepOpenMs: openMs, brushMs: performance.now() - t1 };
  }, runs);
}

/**
 * One output measured: first paint, then (options) a hover, and updates 4 times a second for 30 s,
 * with the runs grouped by their learning rate (`groupBy`) while they train.
 */
async function measure(page, mode, shape = { runs: 1, metrics: METRICS }, options = {}) {
  const s = scenario(shape);
  const profiler = await startProfile(page, shape.runs);
  try {
    // The first messages reach the page before anything is measured: handing a snapshot to the
    // page through the test driver is no part of what JupyterLab does (a websocket hands it buffers).
    await page.evaluate(
      first => {
        window.mpFirst = first;
      },
      mode === 'stream' ? { saved: s.savedPayload(), snapshot: plain(s.subscribe(2400)) } : { json: s.fullPayload() }
    );
    // Long tasks, and the renderer, in the page.
    const firstPaint = await page.evaluate(
      async ([mime, mode, charts]) => {
        const first = window.mpFirst;
        const f64 = a => new Float64Array(a);
        const snapshotBuffers = mode === 'stream' ? first.snapshot.buffers.map(f64) : [];
        window.mpLong = [];
        window.mpUpdate = [];
        new PerformanceObserver(list => window.mpLong.push(...list.getEntries().map(e => e.duration))).observe({
          type: 'longtask'
        });
        const rendermime = window.jupyterapp.shell.currentWidget.content.rendermime;
        // The stream's way: the output over a stand-in of the page's sessions (the ViewSessions
        // interface) that answers as the kernel side does; new points are handed to its listener.
        const sessions = {
          attach: () => ({ dispose() {}, forget() {} }),
          ask: async (_p, request) =>
            request.request === 'subscribe' ? { data: first.snapshot.data, buffers: snapshotBuffers } : null,
          subscribe: async () => {
            window.mpSubscribed = true;
            return { data: first.snapshot.data, buffers: snapshotBuffers };
          },
          unsubscribe: () => undefined,
          liveEvents: {
            connect(listener, thisArg) {
              window.mpPoints = points => listener.call(thisArg, null, points);
            },
            disconnect() {}
          },
          reportOf: () => undefined,
          exists: async () => true
        };
        window.mpSubscribed = false;
        const renderer =
          mode === 'stream'
            ? rendermime.getFactory(mime).withSessions(sessions).createRenderer({
                mimeType: mime,
                resolver: rendermime.resolver,
                sanitizer: rendermime.sanitizer,
                linkHandler: rendermime.linkHandler,
                latexTypesetter: rendermime.latexTypesetter,
                markdownParser: rendermime.markdownParser,
                translator: rendermime.translator
              })
            : rendermime.createRenderer(mime);
        window.mpRenderer = renderer;
        const host = document.createElement('div');
        window.mpHost = host;
        host.style.cssText = 'position:fixed;top:0;left:0;width:1000px;height:100vh;overflow:auto;z-index:10000;background:#fff';
        document.body.appendChild(host);
        const frame = () => new Promise(r => requestAnimationFrame(() => r()));
        window.mpFrame = frame;
        await frame();
        const t0 = performance.now();
        host.appendChild(renderer.node);
        const data = mode === 'stream' ? first.saved : JSON.parse(first.json);
        await renderer.renderModel({ data: { [mime]: data }, metadata: {}, trusted: false, setData: () => undefined });
        // Until every chart is drawn (the stream's snapshot included).
        // The output draws with its panel here (no widget model: there is no kernel); the snapshot is
        // applied a microtask after the stand-in answered.
        while (renderer.node.querySelectorAll('mp-metric-chart').length < charts || (mode === 'stream' && !window.mpSubscribed))
          await frame();
        if (mode === 'stream') {
          // Until every chart on screen has drawn the snapshot, not the saved output's fewer points
          // (charts take turns).
          const saved = Math.max(...first.saved.metrics.map(m => m.steps.length));
          const onScreen = () =>
            [...renderer.node.querySelectorAll('mp-metric-chart')].filter(c => c.getBoundingClientRect().top < host.clientHeight);
          while (!onScreen().every(c => c.uplot && !c.drawPending && c.chart.metrics[0].steps.length > saved)) {
            await frame();
          }
        }
        await frame();
        return performance.now() - t0;
      },
      [MIME, mode, shape.metrics]
    );
    const hovered = options.hover ? await hover(page) : null;
    const sweep = options.sweep ? await openSweep(page, shape.runs) : null;
    if (options.groupBy) {
      await page.evaluate(key => {
        window.mpRenderer.node.querySelector('mp-plotter-panel').grouping = { by: 'key', key };
      }, options.groupBy);
      await page.waitForFunction(() => window.mpRenderer.node.querySelectorAll('.mp-groups-table tbody tr').length > 0);
    }
    // Updates reach the page over a websocket, binary buffers and all, as kernel messages reach
    // JupyterLab: handed over through the test driver instead, converting each update's arguments
    // took the page's main thread about 30–45 ms (measured in a trace), tasks that counted as the panel's.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise(resolve => server.once('listening', resolve));
    const connected = new Promise(resolve => server.once('connection', resolve));
    await page.evaluate(
      async ([mime, mode, url]) => {
        const renderer = window.mpRenderer;
        const socket = new WebSocket(url);
        socket.binaryType = 'arraybuffer';
        window.mpSocket = socket;
        window.mpHandled = 0;
        window.mpStopped = false;
        let header = null;
        let queue = Promise.resolve();
        const handle = async message => {
          // Drawn when every chart on screen has new data (charts take turns, as many a frame as fit).
          const onScreen = [...renderer.node.querySelectorAll('mp-metric-chart')]
            .filter(c => c.uplot && c.getBoundingClientRect().top < window.mpHost.clientHeight)
            .map(c => [c, c.uplot.data]);
          const t0 = performance.now();
          if (mode === 'stream') {
            let at = 0;
            const buffers = header.lengths.map(n => new Float64Array(message, (at += n) - n, n / 8));
            window.mpPoints({ event: header.data, buffers });
          } else {
            await renderer.renderModel({
              data: { [mime]: JSON.parse(message) },
              metadata: {},
              trusted: false,
              setData: () => undefined
            });
          }
          window.mpHandled++;
          // Measured in the page while the next updates come (the kernel does not wait for the page).
          const drawn = () => onScreen.every(([c, before]) => c.uplot.data !== before);
          void (async () => {
            for (let frames = 0; frames < 60 && !drawn(); frames++) await window.mpFrame();
            window.mpUpdate.push(performance.now() - t0);
          })();
        };
        socket.onmessage = ({ data }) => {
          // The stream's update: its event as text, then its buffers in one binary frame.
          if (mode === 'stream' && typeof data === 'string') header = JSON.parse(data);
          // A whole payload is rendered before the next is taken, as a message handler awaits it.
          else queue = queue.then(() => (window.mpStopped ? undefined : handle(data)));
        };
        await new Promise((resolve, reject) => {
          socket.onopen = resolve;
          socket.onerror = reject;
        });
      },
      [MIME, mode, `ws://127.0.0.1:${server.address().port}`]
    );
    const socket = await connected;
    // Long tasks while training: those of the first paint (and the grouping) are not counted.
    await page.evaluate(() => window.mpFrame().then(() => (window.mpLong = [])));
    const heapAtStart = options.heap ? await heapAfterCollection(page) : null;
    const seconds_ = options.seconds ?? SECONDS;
    const started = Date.now();
    for (let i = 1; i <= UPDATES_PER_S * seconds_; i++) {
      const event = s.train();
      if (mode === 'stream') {
        const { data, buffers } = event;
        socket.send(JSON.stringify({ data, lengths: buffers.map(b => b.byteLength) }));
        socket.send(Buffer.concat(buffers.map(b => Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
      } else {
        socket.send(s.fullPayload());
      }
      const wait = started + (i * 1000) / UPDATES_PER_S - Date.now();
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
    }
    const seconds = (Date.now() - started) / 1000;
    const { long, update, updates } = await page.evaluate(async () => {
      const updates = window.mpHandled;
      window.mpStopped = true;
      window.mpSocket.close();
      for (let frames = 0; frames < 10; frames++) await window.mpFrame();
      return { long: window.mpLong, update: window.mpUpdate, updates };
    });
    await profiler?.stop();
    // The heap with the output still on the page, after its last update was drawn.
    const heapAtEnd = options.heap ? await heapAfterCollection(page) : null;
    await page.evaluate(() => {
      window.mpRenderer.dispose();
      window.mpHost.remove();
    });
    server.close();
    update.sort((a, b) => a - b);
    return {
      firstPaintMs: firstPaint,
      ...(hovered
        ? { hoverMs: hovered.medianMs, longestHoverMs: hovered.longestMs, hoverUntilFrameMs: hovered.untilFrameMs }
        : {}),
      ...(sweep ?? {}),
      longestTaskMs: long.length ? Math.max(...long) : 0,
      longTasks: long.length,
      medianUpdateMs: update[Math.floor(update.length / 2)],
      updatesPerS: updates / seconds,
      ...(options.heap
        ? {
            heapAtStartMB: heapAtStart / 1e6,
            heapAtEndMB: heapAtEnd / 1e6,
            savedOutputBytes: Buffer.byteLength(JSON.stringify(s.savedPayload())),
            minutes: seconds / 60
          }
        : {})
    };
  } finally {
    s.close();
  }
}

async function livePanelBench() {
  return withLabPage(async page => ({
    metrics: METRICS,
    points: POINTS,
    seconds: SECONDS,
    updatesPerS: UPDATES_PER_S,
    full: await measure(page, 'full'),
    stream: await measure(page, 'stream')
  }));
}

/**
 * Runs side by side in the panel as users see it (the comm's stream, series at the chart's width):
 * 10 metrics × 100k points of 1 run against the same of 20 and of 100 runs, each drawn in every
 * chart; at 100, the hyperparameters view opened, brushed, and left open while they train.
 */
async function runsPanelBench() {
  return withLabPage(async page => ({
    metrics: 10,
    points: POINTS,
    seconds: SECONDS,
    updatesPerS: UPDATES_PER_S,
    oneRun: await measure(page, 'stream', { runs: 1, metrics: 10 }, { hover: true }),
    twentyRuns: await measure(page, 'stream', { runs: 20, metrics: 10 }, { hover: true }),
    twentyRunsGrouped: await measure(page, 'stream', { runs: 20, metrics: 10 }, { groupBy: 'lr' }),
    hundredRuns: await measure(page, 'stream', { runs: 100, metrics: 10 }, { hover: true, sweep: true })
  }));
}

/** How long a long session is watched (MP_BENCH_LONG_MINUTES; the goal is stated for 30). */
const LONG_MINUTES = Number(process.env.MP_BENCH_LONG_MINUTES) || 30;

/**
 * A page left open on a live 20-run sweep (10 metrics) for LONG_MINUTES at 4 updates a second: its
 * JavaScript heap after a forced collection once the output is drawn and again at the end, and the
 * saved output's size then.
 */
async function longSessionBench() {
  return withLabPage(async page => ({
    runs: 20,
    metrics: 10,
    updatesPerS: UPDATES_PER_S,
    result: await measure(page, 'stream', { runs: 20, metrics: 10 }, { heap: true, seconds: LONG_MINUTES * 60 })
  }));
}

module.exports = { livePanelBench, runsPanelBench, longSessionBench };
if (require.main === module) {
  const which = { runs: runsPanelBench, long: longSessionBench }[process.argv[2]] ?? livePanelBench;
  which().then(r => console.log(JSON.stringify(r, null, 1)));
}
