/**
 * One Jupyter server process of a venv (JupyterLab, Notebook 7, Kernel Gateway), isolated from the
 * user's Jupyter: a home folder of its own for its config and runtime files, the venv's bin first
 * on PATH, its output kept for error messages. jupyterlab.ts and kernel-gateway.ts start theirs here.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What every server the tests start has: the folder it serves, its port, token and URL, and its log. */
export abstract class JupyterServer {
  protected constructor(
    readonly root: string,
    readonly port: number,
    readonly token: string,
    protected readonly server: JupyterServerProcess
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): () => string {
    return this.server.log;
  }
}

export class JupyterServerProcess {
  private constructor(
    /** What the server is, for messages ("jupyter lab", "jupyter kernelgateway"). */
    readonly name: string,
    readonly child: ChildProcess,
    /** Its config (config/) and runtime (runtime/) folders, removed when it stops. */
    readonly home: string,
    readonly log: () => string
  ) {}

  /**
   * Runs `jupyter <args>` (or `command`) of `venv` with an environment of its own (`env` adds to it; `prepare`
   * writes into the home folder before it starts), and waits until `ready` says it serves.
   */
  static async start(options: {
    name: string;
    venv: string;
    /** The venv's command to run; `jupyter` unless given (Voilà's is `voila`). */
    command?: string;
    args: string[];
    cwd?: string;
    env?: (home: string) => Record<string, string>;
    prepare?: (home: string) => void;
    ready: () => Promise<boolean>;
  }): Promise<JupyterServerProcess> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), `metrics-plotter-${options.name.replace(/\W+/g, '-')}-`));
    options.prepare?.(home);
    const env = {
      ...process.env,
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      PATH: `${path.join(options.venv, 'bin')}${path.delimiter}${process.env.PATH}`,
      ...options.env?.(home)
    };
    const child = spawn(path.join(options.venv, 'bin', options.command ?? 'jupyter'), options.args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout!.on('data', d => (output += d));
    child.stderr!.on('data', d => (output += d));
    const server = new JupyterServerProcess(options.name, child, home, () => output);
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`${options.name} exited:\n${output}`);
      try {
        if (await options.ready()) return server;
      } catch {
        /* not listening yet */
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`${options.name} did not come up:\n${output}`);
  }

  /** Stops it: `shutdown` first if given (its own API), else SIGTERM; SIGKILL after 20 s. Its home folder goes. */
  async stop(shutdown?: () => Promise<unknown>): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.once('exit', resolve));
      try {
        if (!shutdown) throw new Error('no shutdown request');
        await shutdown();
      } catch {
        this.child.kill('SIGTERM');
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
