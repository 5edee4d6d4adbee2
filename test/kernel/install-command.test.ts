/**
 * `npx metrics-plotter install | uninstall` against the real JupyterLab of the project's venv, into
 * a Jupyter user folder of the test's own (JUPYTER_DATA_DIR): what install writes, that running it
 * again updates in place, and that uninstall puts everything back as it was, a replaced
 * kernelspec included. (Installing from `npm pack` output into a fresh venv is test/e2e's.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, listTree, notebooksRoot } from '../support/kernel-process';

const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
let data: string;

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO, 'lib/cli/cli.js'), ...args], {
    cwd: notebooksRoot(),
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_DATA_DIR: data }
  });
}

beforeEach(() => {
  data = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mp-install-')), 'jupyter');
});

test("install writes the extension and kernelspecs that start this folder's tslab; again, it updates in place; uninstall leaves nothing", () => {
  const first = cli('install', '--python', PYTHON, '--user');
  expect(first.status).toBe(0);
  expect(first.stdout).toMatch(/wrote +.*kernels\/tslab\/kernel\.json {2}\(starts .*node_modules\/tslab\/bin\/tslab with /);
  expect(first.stdout).toMatch(/wrote +.*labextensions\/metrics-plotter {2}\(the extension, for JupyterLab\)/);
  const kernel = JSON.parse(fs.readFileSync(path.join(data, 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  expect(kernel.argv).toEqual([
    process.execPath,
    // Preloaded: tslab's sockets then serve a client that reconnects (a kernel behind a gateway).
    '--require',
    path.join(REPO, 'lib', 'kernel', 'host', 'router-handover.js'),
    path.join(REPO, 'node_modules', 'tslab', 'bin', 'tslab'),
    'kernel',
    '--config-path',
    '{connection_file}'
  ]);
  const installJson = JSON.parse(fs.readFileSync(path.join(data, 'labextensions', 'metrics-plotter', 'install.json'), 'utf8'));
  expect(installJson).toEqual({
    packageManager: 'npm',
    packageName: 'metrics-plotter',
    uninstallInstructions: `Run: npx metrics-plotter uninstall --python ${PYTHON} --user`
  });
  const tree = listTree(data);
  const listed = spawnSync(path.join(REPO, '.venv', 'bin', 'jupyter'), ['labextension', 'list'], {
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_DATA_DIR: data }
  });
  expect(`${listed.stdout}${listed.stderr}`).toMatch(/metrics-plotter v\d+\.\d+\.\d+ .*enabled.*OK.*\(npm, metrics-plotter\)/);
  const again = cli('install', '--python', PYTHON, '--user');
  expect(again.stdout).toMatch(/updated +.*labextensions\/metrics-plotter/);
  expect(listTree(data)).toEqual(tree); // no second copy nested inside the first
  const gone = cli('uninstall', '--python', PYTHON, '--user');
  expect(gone.status).toBe(0);
  expect(fs.existsSync(data)).toBe(false); // it made the folder, so it took it away again
});

test('a kernelspec that was there before is put back exactly by uninstall', () => {
  const mine =
    '{"argv": ["my-tslab", "kernel", "--config-path", "{connection_file}"], "display_name": "My TS", "language": "typescript"}';
  fs.mkdirSync(path.join(data, 'kernels', 'tslab'), { recursive: true });
  fs.writeFileSync(path.join(data, 'kernels', 'tslab', 'kernel.json'), mine);
  const before = listTree(data);
  expect(cli('install', '--python', PYTHON, '--user').stdout).toMatch(/replaced .*kernels\/tslab\/kernel\.json/);
  expect(cli('install', '--python', PYTHON, '--user').status).toBe(0); // twice: the original is still the one kept
  const out = cli('uninstall', '--python', PYTHON, '--user').stdout;
  expect(out).toMatch(/restored .*kernels\/tslab\/kernel\.json {2}\(as it was before install\)/);
  expect(fs.readFileSync(path.join(data, 'kernels', 'tslab', 'kernel.json'), 'utf8')).toBe(mine);
  expect(listTree(data)).toEqual(before);
});

test('a Python with Jupyter but no JupyterLab gets the tslab kernel alone, its frontends are told they show the static output, and uninstall leaves nothing', () => {
  // scripts/test.sh makes it: jupyter_client (and so jupyter_core), as VS Code's or the classic notebook's Python has.
  const python = path.join(REPO, '.venv-kernel-only', 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`${python} is missing: run ./scripts/test.sh, which makes it`);
  const out = cli('install', '--python', python, '--user');
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/wrote +.*kernels\/tslab\/kernel\.json/);
  expect(out.stdout).toContain('has neither JupyterLab nor Voilà, so only the tslab kernel was registered');
  expect(out.stdout).toContain('show the static output: charts and stills, no live panel');
  expect(fs.existsSync(path.join(data, 'labextensions'))).toBe(false);
  // That Python's Jupyter finds the kernel.
  const listed = spawnSync(path.join(REPO, '.venv-kernel-only', 'bin', 'jupyter-kernelspec'), ['list', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_DATA_DIR: data }
  });
  expect(Object.keys(JSON.parse(listed.stdout).kernelspecs)).toEqual(expect.arrayContaining(['tslab', 'jslab']));
  // --no-kernel leaves nothing to do there: said, nothing changed.
  const tree = listTree(data);
  const nothing = cli('install', '--python', python, '--user', '--no-kernel');
  expect(nothing.status).toBe(1);
  expect(nothing.stderr).toContain('has neither JupyterLab nor Voilà, and --no-kernel leaves nothing to install');
  expect(listTree(data)).toEqual(tree);
  const gone = cli('uninstall', '--python', python, '--user');
  expect(gone.status).toBe(0);
  expect(gone.stdout).toMatch(/removed +.*kernels\/tslab\/kernel\.json/);
  expect(fs.existsSync(data)).toBe(false);
});

test('a Python without Jupyter, a Python that is not there, clashing flags: the error says what to do, and nothing is written', () => {
  const noJupyter = cli('install', '--python', '/usr/bin/python3', '--user');
  expect(noJupyter.status).toBe(1);
  expect(noJupyter.stderr).toMatch(
    /the Python "\/usr\/bin\/python3" \(.*\) has no Jupyter \(no jupyter_core\)\. Pass --python the Python your JupyterLab or notebook runs with, or install JupyterLab into this one first: python -m pip install jupyterlab/
  );
  const missing = cli('install', '--python', '/no/such/python', '--user');
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/could not run the Python "\/no\/such\/python"/);
  expect(fs.existsSync(data)).toBe(false);
  const usage = cli('install', '--user', '--sys-prefix');
  expect(usage.status).toBe(2);
  expect(usage.stderr).toMatch(/choose one of --user and --sys-prefix/);
});
