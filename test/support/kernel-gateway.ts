/**
 * Jupyter Kernel Gateway (from PyPI, in the project's venv): kernels started by another server, in
 * its own folder, which the JupyterLab in front of it (`--gateway-url`) does not serve. What a team
 * whose kernels run on other machines meets (Enterprise Gateway speaks the same protocol).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VENV } from './jupyterlab';
import { freePort } from './ports';

export class KernelGateway {
  private constructor(
    readonly root: string,
    readonly port: number,
    readonly token: string,
    private readonly child: ChildProcess,
    private readonly home: string,
    readonly log: () => string
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What `jupyter lab` needs to start its kernels here. */
  get labArgs(): string[] {
    return [`--gateway-url=${this.url}`, `--GatewayClient.auth_token=${this.token}`, '--GatewayClient.request_timeout=60'];
  }

  /** Starts the gateway with kernels in `root` (the tslab kernelspec of the venv). */
  static async start(root: string, venv = VENV): Promise<KernelGateway> {
    if (!fs.existsSync(path.join(venv, 'bin', 'jupyter-kernelgateway'))) {
      throw new Error(
        `Jupyter Kernel Gateway is not in ${venv}: run ./scripts/test.sh (it installs it), or pip install jupyter_kernel_gateway there.`
      );
    }
    const port = await freePort();
    const token = `kg-${process.pid}-${port}`;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-plotter-gateway-'));
    const env = {
      ...process.env,
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      JUPYTER_PATH: path.join(venv, 'share', 'jupyter'),
      PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}`
    };
    const args = [
      'kernelgateway',
      '--KernelGatewayApp.ip=127.0.0.1',
      `--KernelGatewayApp.port=${port}`,
      '--KernelGatewayApp.port_retries=0',
      `--KernelGatewayApp.auth_token=${token}`,
      '--JupyterWebsocketPersonality.list_kernels=True'
    ];
    const child = spawn(path.join(venv, 'bin', 'jupyter'), args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', d => (output += d));
    child.stderr!.on('data', d => (output += d));
    const gateway = new KernelGateway(root, port, token, child, home, () => output);
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`jupyter kernelgateway exited:\n${output}`);
      try {
        const res = await fetch(`${gateway.url}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } });
        if (res.ok) return gateway;
      } catch {
        /* not listening yet */
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`jupyter kernelgateway did not come up:\n${output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
