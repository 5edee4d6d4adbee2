/**
 * A real JupyterLab 4 (from the project's venv, with the extension and the tslab kernel that
 * scripts/setup.sh installed there) and Debian's Chromium driven by playwright-core. Used by the
 * end-to-end tests and the chart benchmark.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { JupyterServer, JupyterServerProcess } from './jupyter-server';
import { REPO } from './kernel-process';
import { freePort } from './ports';

export const VENV = path.join(REPO, '.venv');
/** The oldest JupyterLab the extension supports (4.0), with the extension and tslab: scripts/test.sh makes it. */
export const OLDEST_VENV = path.join(REPO, '.venv-jupyterlab-4.0');
export const CHROMIUM = process.env.METRICS_PLOTTER_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

/** `tslab`: whether the tests need the tslab kernelspec there (a Deno-only venv has none). */
export function requireSetup(venv = VENV, app: 'lab' | 'notebook' = 'lab', tslab = true): void {
  const missing = [
    [path.join(venv, 'bin', 'jupyter-lab'), `JupyterLab in ${venv}`],
    ...(app === 'notebook' ? [[path.join(venv, 'bin', 'jupyter-notebook'), `Notebook 7 in ${venv}`]] : []),
    [path.join(venv, 'share', 'jupyter', 'labextensions', 'metrics-plotter', 'package.json'), `the extension in ${venv}`],
    ...(tslab
      ? [[path.join(venv, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'), `the tslab kernelspec in ${venv}`]]
      : []),
    [CHROMIUM, 'Chromium (apt-get install chromium)']
  ].filter(([file]) => !fs.existsSync(file));
  if (missing.length) {
    throw new Error(
      `End-to-end tests need ${missing.map(m => m[1]).join(', ')}. Run ./scripts/test.sh (or ./scripts/setup.sh), which installs them.`
    );
  }
}

export interface KernelModel {
  id: string;
  name: string;
  execution_state: string;
}

export class JupyterLab extends JupyterServer {
  private constructor(
    /** Which frontend the server serves: JupyterLab, or Notebook 7 (a notebook per browser tab). */
    readonly app: 'lab' | 'notebook',
    root: string,
    port: number,
    token: string,
    server: JupyterServerProcess
  ) {
    super(root, port, token, server);
  }

  /**
   * Starts `jupyter lab` of a venv (default: the project's) serving `root`, isolated from the user's
   * Jupyter config. `disabledExtensions`: lab extensions to switch off, as `jupyter labextension
   * disable` does (e.g. jupyterlab_widgets', for a JupyterLab without widgets). `extraArgs`: more
   * options for `jupyter lab` (e.g. `--gateway-url`). `env`: more environment for the server (e.g.
   * `JUPYTER_PATH` with a kernelspec not in the venv). `app`: `notebook` serves Notebook 7 instead.
   * `tslab: false`: the venv need not have the tslab kernel (a Deno user's).
   */
  static async start(
    root: string,
    venv = VENV,
    {
      disabledExtensions = [] as string[],
      extraArgs = [] as string[],
      env: moreEnv = {} as Record<string, string>,
      app = 'lab' as 'lab' | 'notebook',
      tslab = true
    } = {}
  ): Promise<JupyterLab> {
    requireSetup(venv, app, tslab);
    const port = await freePort();
    const token = `e2e-${process.pid}-${port}`;
    const baseUrl = `http://127.0.0.1:${port}`;
    const args = [
      app,
      '--no-browser',
      `--port=${port}`,
      '--ServerApp.ip=127.0.0.1',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${root}`,
      app === 'lab' ? '--LabApp.expose_app_in_browser=True' : '--JupyterNotebookApp.expose_app_in_browser=True',
      '--ServerApp.port_retries=0',
      ...extraArgs
    ];
    if (process.getuid?.() === 0) args.push('--allow-root');
    const server = await JupyterServerProcess.start({
      name: `jupyter ${app}`,
      venv,
      args,
      env: home => ({
        JUPYTERLAB_SETTINGS_DIR: path.join(home, 'settings'),
        JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'workspaces'),
        ...moreEnv
      }),
      prepare: home => {
        if (disabledExtensions.length) {
          fs.mkdirSync(path.join(home, 'config', 'labconfig'), { recursive: true });
          fs.writeFileSync(
            path.join(home, 'config', 'labconfig', 'page_config.json'),
            JSON.stringify({ disabledExtensions: Object.fromEntries(disabledExtensions.map(e => [e, true])) })
          );
        }
        // Keep JupyterLab quiet and predictable: no news or update checks, no dialog on kernel restart.
        fs.mkdirSync(path.join(home, 'settings', '@jupyterlab', 'apputils-extension'), { recursive: true });
        fs.writeFileSync(
          path.join(home, 'settings', '@jupyterlab', 'apputils-extension', 'notification.jupyterlab-settings'),
          JSON.stringify({ fetchNews: 'false', checkForUpdates: false })
        );
      },
      ready: async () => (await fetch(`${baseUrl}/api/status?token=${token}`)).ok
    });
    return new JupyterLab(app, root, port, token, server);
  }

  async api(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: { Authorization: `token ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  kernels(): Promise<KernelModel[]> {
    return this.api('GET', '/api/kernels') as Promise<KernelModel[]>;
  }

  /** The URL that opens a notebook (path relative to the server root) in JupyterLab, or in a tab of its own in Notebook 7. */
  notebookUrl(relPath: string): string {
    const encoded = relPath.split('/').map(encodeURIComponent).join('/');
    if (this.app === 'notebook') return `${this.baseUrl}/notebooks/${encoded}?token=${this.token}`;
    return `${this.baseUrl}/lab/tree/${encoded}?token=${this.token}&reset`;
  }

  /** Shuts the server down the way `jupyter lab` does on Ctrl+C twice: kernels first. */
  async stop(): Promise<void> {
    const runtime = path.join(this.server.home, 'runtime') + path.sep;
    await this.server.stop(() => this.api('POST', '/api/shutdown'));
    killKernelsLeft(runtime);
  }
}

/**
 * Kills, with their process groups, kernels of this server that outlived it. A server shutting
 * down can leave one (seen once in CI: the kernel a restart had just started, under JupyterLab
 * 4.0); it holds the server's stdout, a pipe of this test process, and jest then never exits. A
 * kernel of this server is found by its connection file in the server's runtime folder.
 */
function killKernelsLeft(runtime: string): void {
  for (const pid of fs.readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
    let commandLine: string;
    try {
      commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (!commandLine.includes(runtime)) continue;
    try {
      process.kill(-Number(pid), 'SIGKILL'); // its group: jupyter_client starts kernels in a session of their own
    } catch {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Collects console errors and page errors of a page (the product must cause none). */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', msg => {
    // "Failed to load resource" names its URL only in the message's location.
    if (msg.type() === 'error') errors.push(msg.location().url ? `${msg.text()} (${msg.location().url})` : msg.text());
  });
  // With where it was thrown: a page error of JupyterLab's own code or of ours reads differently.
  page.on('pageerror', err => errors.push(`${String(err)}${/\n\s+at .*/.exec(err.stack ?? '')?.[0].replace(/\s+/, ' ') ?? ''}`));
  return errors;
}

/** Writes a TypeScript notebook with the given code cells. */
export function writeNotebook(file: string, cells: string[]): void {
  const nb = {
    cells: cells.map((source, i) => ({
      cell_type: 'code',
      execution_count: null,
      id: `c${i}`,
      metadata: {},
      outputs: [],
      source
    })),
    metadata: {
      kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
      language_info: { name: 'typescript' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}
