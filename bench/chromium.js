/** Debian's Chromium, headless, with the flags this machine needs: shared by the browser benchmarks. */
const { chromium } = require('playwright-core');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

function launchChromium() {
  return chromium.launch({
    executablePath: process.env.METRICS_PLOTTER_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS
  });
}

module.exports = { launchChromium };
