#!/usr/bin/env node
/**
 * `npx metrics-plotter <command>`:
 *  - `clean [dir]` removes, by hand, what sessions killed without a chance to clean (SIGKILL, crash)
 *    left in <dir>/assets. Live kernels' folders are never touched; folders written by a kernel on
 *    another host (a shared drive) are listed and left, since their process cannot be checked.
 *  - `install` / `uninstall` put the JupyterLab extension (and the tslab kernelspec) into the
 *    JupyterLab of a Python, and take out exactly what install put there (see jupyter-install.ts).
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { cleanupFailureMessage } from '../protocol';
import { sweepOrphans } from '../kernel/files/sweep';
import { InstallError, install, uninstall, type Scope } from './jupyter-install';

const USAGE = `usage:
  metrics-plotter install [--python PY] [--sys-prefix | --user] [--no-kernel]
      the JupyterLab extension for the JupyterLab of PY (default: python3), into its environment
      (--sys-prefix, default) or your user folder (--user); also registers the tslab kernel of
      this folder by absolute path, unless --no-kernel. Run it again to update.
  metrics-plotter uninstall [--python PY] [--sys-prefix | --user]
      removes what install put there, and puts back a kernelspec it replaced.
  metrics-plotter clean [dir]
      removes what killed kernels left in <dir>/assets (default: this folder).`;

function clean(dir: string | undefined): number {
  const root = path.resolve(dir ?? '.');
  const report = sweepOrphans(root);
  for (const removed of report.removed) console.log(`removed ${removed}`);
  // Left on purpose (not provably a plotter's own): said, so that the user can decide.
  for (const kept of report.kept ?? []) console.log(`left    ${kept.path}: ${kept.reason}`);
  if (!report.ok) {
    console.error(cleanupFailureMessage(report.failures));
    return 1;
  }
  console.log(report.removed.length ? `metrics-plotter: cleaned ${root}` : `metrics-plotter: nothing to clean in ${root}`);
  return 0;
}

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        python: { type: 'string' },
        user: { type: 'boolean' },
        'sys-prefix': { type: 'boolean' },
        'no-kernel': { type: 'boolean' }
      }
    });
  } catch (err) {
    console.error(`metrics-plotter: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const usageError = (what: string): number => {
    console.error(`metrics-plotter: ${what}\n${USAGE}`);
    return 2;
  };
  if (command === 'clean') {
    if (rest.length > 1 || values.python || values.user || values['sys-prefix'] || values['no-kernel']) {
      return usageError(`unknown arguments for clean: ${argv.slice(1).join(' ')}`);
    }
    return clean(rest[0]);
  }
  if (command === 'install' || command === 'uninstall') {
    if (rest.length) return usageError(`unexpected arguments: ${rest.join(' ')}`);
    if (values.user && values['sys-prefix']) return usageError('choose one of --user and --sys-prefix');
    if (command === 'uninstall' && values['no-kernel']) return usageError('--no-kernel is for install');
    const scope: Scope = values.user ? 'user' : 'sys-prefix';
    const opts = {
      python: values.python ?? 'python3',
      scope,
      kernel: !values['no-kernel'],
      cwd: process.cwd(),
      log: console.log
    };
    try {
      (command === 'install' ? install : uninstall)(opts);
      return 0;
    } catch (err) {
      if (!(err instanceof InstallError)) throw err;
      console.error(err.message);
      return 1;
    }
  }
  return usageError(command === undefined ? 'no command given' : `unknown command: ${command}`);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
