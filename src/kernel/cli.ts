#!/usr/bin/env node
/**
 * `npx metrics-plotter clean [dir]`: removes, by hand, what sessions killed without a chance to clean
 * (SIGKILL, crash) left in <dir>/assets. Live kernels' folders are never touched; folders written by
 * a kernel on another host (a shared drive) are listed and left, since their process cannot be checked.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { cleanupFailureMessage } from '../protocol';
import { sweepOrphans } from './assets';

const USAGE = 'usage: metrics-plotter clean [dir]   (dir: the notebook folder holding assets/; default: the current folder)';

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`metrics-plotter: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, dir, ...extra] = parsed.positionals;
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'clean' || extra.length > 0) {
    console.error(command === undefined ? USAGE : `metrics-plotter: unknown command or arguments: ${argv.join(' ')}\n${USAGE}`);
    return 2;
  }
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
