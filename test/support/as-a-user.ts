/**
 * What the tests that install as a user share: a command run as in a shell (failing loudly), the
 * commands of a doc's code block as written, the package as `npm pack` makes it, and a fresh venv
 * with a JupyterLab from PyPI.
 */
import { spawnSync, type SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './kernel-process';

/** The JupyterLab a user installs (the newest 4.x unless the environment says otherwise). */
export const JUPYTERLAB_SPEC = process.env.JUPYTERLAB_SPEC ?? 'jupyterlab>=4.4,<5';

/** Runs `cmd`; its stdout, or an error with everything it printed. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

/** The first ```sh block after `heading` in the doc `file` (relative to the checkout), one command a line, comments dropped. */
export function docCommands(file: string, heading: string): string[] {
  const doc = fs.readFileSync(path.join(REPO, file), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(heading)))![1];
  return block
    .split('\n')
    .map(l => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** `npm pack` of this checkout into `dir`: the tarball's path. */
export function packTarball(dir: string): string {
  return path.join(dir, run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO }).trim().split('\n').pop()!);
}

/** A fresh venv at `venv` with JupyterLab from PyPI. */
export function venvWithJupyterLab(venv: string): void {
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', JUPYTERLAB_SPEC]);
}

/** A line run in the shell of a user whose venv is active, in `cwd`; its stdout. */
export function userShell(line: string, { cwd, venv, env = {} }: { cwd: string; venv: string; env?: NodeJS.ProcessEnv }): string {
  const withVenv = {
    ...process.env,
    VIRTUAL_ENV: venv,
    PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}`,
    ...env
  };
  return run('bash', ['-c', line], { cwd, env: withVenv });
}
