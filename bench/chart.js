/**
 * Chart timings for `npm run bench`, in Debian's Chromium (headless) via playwright-core: uPlot with
 * the options our <mp-metric-chart> uses, first paint and one hover, for 10 series × 100k points
 * and for 10 × 2,000 (what a payload holds after the kernel's default downsampling).
 */
/* global document, requestAnimationFrame, uPlot -- the measured code runs in the page */
const path = require('path');
const { launchChromium } = require('./chromium');

const ROOT = path.resolve(__dirname, '..');

async function chartBench() {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.setContent('<!doctype html><html><body><div id="chart" style="width:900px"></div></body></html>');
    await page.addStyleTag({ path: path.join(ROOT, 'node_modules/uplot/dist/uPlot.min.css') });
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js') });
    const measure = points =>
      page.evaluate(async points => {
        const xs = Array.from({ length: points }, (_, i) => i);
        const series = Array.from({ length: 10 }, (_, s) =>
          xs.map(i => Math.exp(-i / points) + 0.1 * Math.sin(i / 50 + s) + s * 0.05)
        );
        const el = document.getElementById('chart');
        const frame = () => new Promise(r => requestAnimationFrame(() => r()));
        const runs = [];
        for (let run = 0; run < 5; run++) {
          el.innerHTML = '';
          await frame();
          const t0 = performance.now();
          const u = new uPlot(
            {
              width: 900,
              height: 220,
              scales: { x: { time: false } },
              series: [
                { label: 'step' },
                ...series.map((_, i) => ({ label: `s${i}`, stroke: '#4e79a7', width: 1.5, points: { show: false } }))
              ],
              cursor: { drag: { x: true, y: false, setScale: true } },
              legend: { show: true, live: true }
            },
            [xs, ...series],
            el
          );
          await frame(); // the chart is on screen
          const paint = performance.now() - t0;
          const t1 = performance.now();
          u.setCursor({ left: 450, top: 100 });
          await frame();
          const hover = performance.now() - t1;
          u.destroy();
          runs.push({ paint, hover });
        }
        const med = k => runs.map(r => r[k]).sort((a, b) => a - b)[2];
        return { paintMs: med('paint'), hoverMs: med('hover') };
      }, points);
    return { full: await measure(100000), downsampled: await measure(2000) };
  } finally {
    await browser.close();
  }
}

module.exports = { chartBench };
if (require.main === module) chartBench().then(r => console.log(JSON.stringify(r)));
