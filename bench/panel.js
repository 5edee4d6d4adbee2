/**
 * The whole panel in real JupyterLab (the venv's, with the installed extension) and Debian's
 * Chromium: first paint of one plotter output, through the rendermime registry JupyterLab itself
 * uses, for a payload as the kernel builds it. Cases side by side: one rollout against 500 logged
 * under one name, and 10 series × 2,000 points. The payload is the kernel's own (lib/kernel), built
 * in this process; its byte size is what one output message and a saved notebook carry.
 */
/* global document, requestAnimationFrame, window -- the measured code runs in the page */
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { launchChromium } = require('./chromium');

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.venv');
const MIME = 'application/vnd.metrics-plotter.v2+json';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A payload as the kernel sends it: `rollouts` media entries of one name, `series` × `points` metrics. */
function payload({ rollouts, series, points }) {
  const { MetricsPlotter } = require('../lib/kernel');
  const { plotterInternals } = require('../internals');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-panel-'));
  const plotter = new MetricsPlotter({ title: 'bench', root });
  for (let s = 0; s < series; s++)
    plotter.addMetric(
      `metric/${s}`,
      Array.from({ length: points }, (_, i) => Math.exp(-i / 500) + s)
    );
  const p = plotterInternals(plotter).payload('v0');
  plotter.close();
  fs.rmSync(root, { recursive: true, force: true });
  // Media entries as the kernel lists them (the files themselves are not needed to paint the panel).
  p.media = Array.from({ length: rollouts }, (_, i) => ({
    kind: 'video',
    name: 'rollout',
    step: i * 100,
    path: `assets/metrics-plotter-1-00000000/rollout-${i + 1}.mp4`,
    absolutePath: `/nowhere/assets/metrics-plotter-1-00000000/rollout-${i + 1}.mp4`,
    width: 64,
    height: 64,
    bytes: 20000,
    fps: 30,
    frames: 60
  }));
  return p;
}

/**
 * Runs `work(page)` in a notebook page of a real JupyterLab (the venv's, with the installed
 * extension) in Debian's Chromium; everything is torn down afterwards.
 */
async function withLabPage(work) {
  const port = await freePort();
  const token = `bench-${process.pid}`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-jupyter-'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-root-'));
  const nb = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  fs.writeFileSync(path.join(root, 'bench.ipynb'), JSON.stringify(nb));
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: path.join(home, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'workspaces')
  };
  const args = [
    'lab',
    '--no-browser',
    `--port=${port}`,
    '--ServerApp.ip=127.0.0.1',
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${root}`,
    '--LabApp.expose_app_in_browser=True',
    '--ServerApp.port_retries=0'
  ];
  if (process.getuid && process.getuid() === 0) args.push('--allow-root');
  const lab = spawn(path.join(VENV, 'bin', 'jupyter'), args, { env, stdio: 'ignore' });
  const browser = await launchChromium();
  try {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`)).ok) break;
      } catch {
        /* not up yet */
      }
      await new Promise(r => setTimeout(r, 100));
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/lab/tree/bench.ipynb?token=${token}&reset`);
    await page.waitForFunction(
      () => window.jupyterapp && window.jupyterapp.shell.currentWidget && window.jupyterapp.shell.currentWidget.content,
      undefined,
      { timeout: 120000 }
    );
    return await work(page);
  } finally {
    await browser.close();
    lab.kill('SIGTERM');
    await new Promise(r => lab.once('exit', r));
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function panelBench() {
  return withLabPage(async page => {
    const cases = {
      'one rollout': { rollouts: 1, series: 1, points: 100 },
      '500 rollouts under one name': { rollouts: 500, series: 1, points: 100 },
      '10 series × 2,000 points': { rollouts: 0, series: 10, points: 2000 },
      '10 series × 100,000 points (downsampled by the kernel)': { rollouts: 0, series: 10, points: 100000 }
    };
    const out = {};
    for (const [name, shape] of Object.entries(cases)) {
      const data = payload(shape);
      const bytes = Buffer.byteLength(JSON.stringify(data));
      const times = [];
      for (let run = 0; run < 5; run++) {
        times.push(
          await page.evaluate(
            async ([mime, data]) => {
              const rendermime = window.jupyterapp.shell.currentWidget.content.rendermime;
              const renderer = rendermime.createRenderer(mime);
              const host = document.createElement('div');
              host.style.cssText =
                'position:fixed;top:0;left:0;width:1000px;height:100vh;overflow:auto;z-index:10000;background:#fff';
              document.body.appendChild(host);
              const frame = () => new Promise(r => requestAnimationFrame(() => r()));
              await frame();
              const t0 = performance.now();
              host.appendChild(renderer.node);
              await renderer.renderModel({ data: { [mime]: data }, metadata: {}, trusted: false, setData: () => undefined });
              await frame();
              await frame();
              const ms = performance.now() - t0;
              renderer.dispose();
              host.remove();
              return ms;
            },
            [MIME, data]
          )
        );
      }
      times.sort((a, b) => a - b);
      out[name] = { bytes, paintMs: times[2] };
    }
    return out;
  });
}

module.exports = { panelBench, withLabPage, payload };
if (require.main === module) panelBench().then(r => console.log(JSON.stringify(r, null, 1)));
