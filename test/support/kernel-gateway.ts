/**
 * Jupyter Kernel Gateway (from PyPI, in the project's venv): kernels started by another server, in
 * its own folder, which the JupyterLab in front of it (`--gateway-url`) does not serve. What a team
 * whose kernels run on other machines meets (Enterprise Gateway speaks the same protocol).
 */
import * as fs from 'fs';
import * as path from 'path';
import { JupyterServer, JupyterServerProcess } from './jupyter-server';
import { VENV } from './jupyterlab';
import { freePort } from './ports';

export class KernelGateway extends JupyterServer {
  /** What `jupyter lab` needs to start its kernels here. */
  get labArgs(): string[] {
    return [`--gateway-url=${this.baseUrl}`, `--GatewayClient.auth_token=${this.token}`, '--GatewayClient.request_timeout=60'];
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
    const url = `http://127.0.0.1:${port}`;
    const server = await JupyterServerProcess.start({
      name: 'jupyter kernelgateway',
      venv,
      cwd: root,
      args: [
        'kernelgateway',
        '--KernelGatewayApp.ip=127.0.0.1',
        `--KernelGatewayApp.port=${port}`,
        '--KernelGatewayApp.port_retries=0',
        `--KernelGatewayApp.auth_token=${token}`,
        '--JupyterWebsocketPersonality.list_kernels=True'
      ],
      env: () => ({ JUPYTER_PATH: path.join(venv, 'share', 'jupyter') }),
      ready: async () => (await fetch(`${url}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } })).ok
    });
    return new KernelGateway(root, port, token, server);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
