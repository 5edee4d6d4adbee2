/**
 * `npx metrics-plotter install | uninstall`: the JupyterLab side for users who live in npm, the way
 * `tslab install` registers its kernel. For one Python's JupyterLab (`--python`), into its
 * environment (`--sys-prefix`, the default, as pip does) or the user's Jupyter folder (`--user`):
 *
 *   <data>/labextensions/metrics-plotter/     the prebuilt extension this npm package ships
 *     install.json                             how it was installed, and how to uninstall (JupyterLab shows it)
 *     metrics-plotter-receipt.json             what install changed, so that uninstall undoes exactly that
 *   <data>/kernels/tslab/, jslab/              kernelspecs that start the tslab of the notebook folder by
 *                                              absolute path with the node that ran install (a bare
 *                                              `tslab` is rarely on the PATH Jupyter starts kernels with)
 *
 * The extension goes in wherever a frontend loads JupyterLab extensions: JupyterLab (and Notebook 7,
 * built on it) or Voilà 0.5, which loads them from the same folder without JupyterLab installed (a
 * dashboard server's Python). A Python with Jupyter but neither (the classic notebook's, VS Code's,
 * nbconvert's) gets the kernelspecs only, with the receipt in kernels/tslab/: its frontends show the
 * static output.
 *
 * Every path written is printed. A kernelspec that was there before is kept in the receipt and put
 * back by uninstall; an extension installed by pip is never overwritten or removed (pip owns it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const EXTENSION_NAME = 'metrics-plotter';
const RECEIPT_NAME = 'metrics-plotter-receipt.json';

export type Scope = 'sys-prefix' | 'user';

export interface JupyterInstallOptions {
  python: string;
  scope: Scope;
  /** Register the tslab kernelspecs too (install only). */
  kernel: boolean;
  /** The notebook folder whose tslab the kernelspec starts. */
  cwd: string;
  log: (line: string) => void;
}

/** Something the user can fix; the message says how. */
export class InstallError extends Error {
  constructor(message: string) {
    super(`metrics-plotter: ${message}`);
    this.name = 'InstallError';
  }
}

interface Receipt {
  tool: 'metrics-plotter';
  scope: Scope;
  python: string;
  /** Kernelspec folders install wrote, with what each held before (null: nothing). */
  kernels: Array<{ dir: string; written: string; previous: string | null }>;
  /** Folders install had to create (e.g. <data>/kernels), removed by uninstall when empty again. */
  createdDirs: string[];
}

/** mkdir -p that remembers the folders it made. */
function makeDir(dir: string, created: string[]): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (!first) return;
  // mkdirSync returns the first folder it made; every one from there down to dir is new.
  for (let d = dir; ; d = path.dirname(d)) {
    created.push(d);
    if (d === first || d === path.dirname(d)) break;
  }
}

interface PythonInfo {
  prefix: string;
  userDataDir: string;
  hasJupyterLab: boolean;
  hasVoila: boolean;
}

/** The frontends of this Python that load JupyterLab extensions, as the messages name them. */
function extensionFrontends(info: PythonInfo): string | null {
  const names = [...(info.hasJupyterLab ? ['JupyterLab'] : []), ...(info.hasVoila ? ['Voilà'] : [])];
  return names.length ? names.join(' and ') : null;
}

const PYTHON_QUERY = `
import json, sys, importlib.util
try:
    from jupyter_core.paths import jupyter_data_dir
except ImportError:
    print(json.dumps({"error": "no jupyter_core", "prefix": sys.prefix})); sys.exit(0)
print(json.dumps({"prefix": sys.prefix, "userDataDir": jupyter_data_dir(), "hasJupyterLab": importlib.util.find_spec("jupyterlab") is not None, "hasVoila": importlib.util.find_spec("voila") is not None}))
`;

function askPython(python: string): PythonInfo {
  const r = spawnSync(python, ['-c', PYTHON_QUERY], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new InstallError(
      `could not run the Python "${python}" (${r.error ? r.error.message : r.stderr.trim().split('\n').pop()}). ` +
        'Pass --python the Python your JupyterLab runs with, e.g. --python "$(which python)" in the environment where `jupyter lab` works.'
    );
  }
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!);
  if (info.error) {
    throw new InstallError(
      `the Python "${python}" (${info.prefix}) has no Jupyter (no jupyter_core). Pass --python the Python your JupyterLab ` +
        'or notebook runs with, or install JupyterLab into this one first: python -m pip install jupyterlab'
    );
  }
  return info;
}

/** Where the receipt of a kernel-only install lives (no extension folder to hold it). */
function kernelReceiptPath(data: string): string {
  return path.join(data, 'kernels', 'tslab', RECEIPT_NAME);
}

function dataDir(info: PythonInfo, scope: Scope): string {
  return scope === 'user' ? info.userDataDir : path.join(info.prefix, 'share', 'jupyter');
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The prebuilt extension inside this npm package (labextension/ beside lib/). */
function shippedExtension(): string {
  const dir = path.resolve(__dirname, '..', '..', 'labextension');
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new InstallError(
      `this copy of metrics-plotter has no prebuilt extension at ${dir}. In a checkout, run \`npm run build\` first.`
    );
  }
  return dir;
}

/** The tslab the notebook folder resolves (as its cells' require does), else the one on PATH. */
function findTslab(cwd: string): string {
  try {
    const pkgFile = require.resolve('tslab/package.json', { paths: [cwd] });
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.tslab;
    return path.resolve(path.dirname(pkgFile), bin);
  } catch {
    /* not in this folder: look on PATH */
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'tslab');
    if (dir && fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  throw new InstallError(
    `tslab was found neither in ${cwd} (or a parent's node_modules) nor on PATH. ` +
      'Install it in the notebook folder (npm install tslab), then run this again; or pass --no-kernel to install only the extension.'
  );
}

/** The extension folder's install.json says who installed it; pip's copy is pip's to manage. */
function assertNotPipInstalled(extDir: string, opts: JupyterInstallOptions): void {
  const info = readJson<{ packageManager?: string; packageName?: string }>(path.join(extDir, 'install.json'));
  if (info && info.packageManager !== 'npm') {
    let kernelHint = '';
    try {
      kernelHint =
        ` To register only the tslab kernel of this folder, run: npx tslab install --python ${opts.python} ` +
        `--binary ${findTslab(opts.cwd)} --${opts.scope}`;
    } catch {
      /* no tslab here: nothing to suggest */
    }
    throw new InstallError(
      `the extension at ${extDir} was installed by ${info.packageManager} (package ${info.packageName}), so this command leaves it alone: ` +
        `update or remove it with ${info.packageManager === 'python' ? 'pip' : info.packageManager} (pip uninstall ${info.packageName}).${kernelHint}`
    );
  }
}

/** Preloaded into the kernel: tslab's sockets then serve a client that reconnects (see the file's header). */
export const ROUTER_HANDOVER = path.join(__dirname, '..', 'kernel', 'host', 'router-handover.js');

function kernelJson(node: string, tslab: string, js: boolean): string {
  const argv = [
    node,
    '--require',
    ROUTER_HANDOVER,
    tslab,
    'kernel',
    '--config-path',
    '{connection_file}',
    ...(js ? ['--js'] : [])
  ];
  const spec = { argv, display_name: js ? 'JavaScript' : 'TypeScript', language: js ? 'javascript' : 'typescript' };
  return JSON.stringify(spec, null, 1) + '\n';
}

/** A Python given as a path is recorded absolute, so the uninstall hint works from any folder. */
function pythonCommand(python: string): string {
  return python.includes(path.sep) ? path.resolve(python) : python;
}

export function install(opts: JupyterInstallOptions): void {
  opts = { ...opts, python: pythonCommand(opts.python) };
  const info = askPython(opts.python);
  const frontends = extensionFrontends(info);
  if (!frontends && !opts.kernel) {
    throw new InstallError(
      `the Python "${opts.python}" (${info.prefix}) has neither JupyterLab nor Voilà, and --no-kernel leaves nothing to install. ` +
        'Pass --python the Python your JupyterLab or Voilà runs with, or install JupyterLab into this one first: python -m pip install jupyterlab'
    );
  }
  const data = dataDir(info, opts.scope);
  const extDir = path.join(data, 'labextensions', EXTENSION_NAME);
  if (frontends) assertNotPipInstalled(extDir, opts);
  const source = frontends ? shippedExtension() : null;
  const tslab = opts.kernel ? findTslab(opts.cwd) : null;
  const kernelReceipt = kernelReceiptPath(data);
  const oldReceipt = readJson<Receipt>(path.join(extDir, RECEIPT_NAME)) ?? readJson<Receipt>(kernelReceipt);
  const receipt: Receipt = {
    tool: 'metrics-plotter',
    scope: opts.scope,
    python: opts.python,
    kernels: [],
    createdDirs: [...(oldReceipt?.createdDirs ?? [])]
  };

  if (tslab) {
    for (const [name, js] of [
      ['tslab', false],
      ['jslab', true]
    ] as const) {
      const dir = path.join(data, 'kernels', name);
      const file = path.join(dir, 'kernel.json');
      const written = kernelJson(process.execPath, tslab, js);
      const current = readText(file);
      // What was there before us: kept from the last install when the file is still ours.
      const ours = oldReceipt?.kernels.find(k => k.dir === dir);
      const previous = ours && current === ours.written ? ours.previous : current;
      makeDir(dir, receipt.createdDirs);
      fs.writeFileSync(file, written);
      receipt.kernels.push({ dir, written, previous });
      opts.log(`${previous === null ? 'wrote   ' : 'replaced'} ${file}  (starts ${tslab} with ${process.execPath})`);
    }
  }

  const scopeFlag = `--${opts.scope}`;
  if (!source) {
    fs.writeFileSync(kernelReceipt, JSON.stringify(receipt, null, 2) + '\n');
    opts.log(
      `metrics-plotter: the Python ${opts.python} (${info.prefix}) has neither JupyterLab nor Voilà, so only the tslab kernel was registered. ` +
        'Its frontends (the classic notebook, VS Code, nbconvert) show the static output: charts and stills, no live panel. ' +
        'For the live panel, install JupyterLab (or Voilà, for dashboards) into it (python -m pip install jupyterlab) and run this again.'
    );
    opts.log(`Undo with: npx metrics-plotter uninstall --python ${opts.python} ${scopeFlag}`);
    return;
  }
  fs.rmSync(kernelReceipt, { force: true }); // a kernel-only install before: this receipt takes over

  // A fresh copy beside the old one, then swapped in: running install again updates, never nests.
  const staging = `${extDir}.installing-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  makeDir(path.dirname(extDir), receipt.createdDirs);
  fs.cpSync(source, staging, { recursive: true });
  fs.writeFileSync(
    path.join(staging, 'install.json'),
    JSON.stringify(
      {
        packageManager: 'npm',
        packageName: 'metrics-plotter',
        uninstallInstructions: `Run: npx metrics-plotter uninstall --python ${opts.python} ${scopeFlag}`
      },
      null,
      2
    ) + '\n'
  );
  fs.writeFileSync(path.join(staging, RECEIPT_NAME), JSON.stringify(receipt, null, 2) + '\n');
  fs.rmSync(extDir, { recursive: true, force: true });
  fs.renameSync(staging, extDir);
  opts.log(`${oldReceipt ? 'updated ' : 'wrote   '} ${extDir}  (the extension, for ${frontends})`);
  opts.log(
    `metrics-plotter: installed for the ${frontends} of ${opts.python} (${info.prefix}). Reload the page to load the extension.`
  );
  opts.log(`Undo with: npx metrics-plotter uninstall --python ${opts.python} ${scopeFlag}`);
}

export function uninstall(opts: JupyterInstallOptions): void {
  opts = { ...opts, python: pythonCommand(opts.python) };
  const info = askPython(opts.python);
  const data = dataDir(info, opts.scope);
  const extDir = path.join(data, 'labextensions', EXTENSION_NAME);
  const kernelReceipt = kernelReceiptPath(data);
  const hasExtension = fs.existsSync(extDir);
  if (!hasExtension && !fs.existsSync(kernelReceipt)) {
    opts.log(`metrics-plotter: nothing to uninstall: no extension at ${extDir} and no kernel it registered.`);
    return;
  }
  if (hasExtension) assertNotPipInstalled(extDir, opts);
  const receipt = readJson<Receipt>(hasExtension ? path.join(extDir, RECEIPT_NAME) : kernelReceipt);
  fs.rmSync(kernelReceipt, { force: true });
  for (const k of receipt?.kernels ?? []) {
    const file = path.join(k.dir, 'kernel.json');
    if (readText(file) !== k.written) {
      opts.log(`left     ${file}  (changed since metrics-plotter wrote it)`);
    } else if (k.previous !== null) {
      fs.writeFileSync(file, k.previous);
      opts.log(`restored ${file}  (as it was before install)`);
    } else {
      fs.rmSync(file);
      opts.log(`removed  ${file}`);
    }
  }
  if (hasExtension) {
    fs.rmSync(extDir, { recursive: true, force: true });
    opts.log(`removed  ${extDir}`);
  }
  // Folders install made (deepest first), once nothing else is in them.
  const made = new Set([...(receipt?.kernels.map(k => k.dir) ?? []), ...(receipt?.createdDirs ?? [])]);
  for (const dir of [...made].sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(dir);
      opts.log(`removed  ${dir}`);
    } catch {
      /* gone already, or it holds files that are not ours */
    }
  }
  opts.log("metrics-plotter: uninstalled. Reload JupyterLab's page.");
}
