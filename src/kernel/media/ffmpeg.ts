/**
 * Finds an ffmpeg binary. Order: the METRICS_PLOTTER_FFMPEG override, `ffmpeg-static` (optional: its
 * install script downloads the binary and fails offline), `@ffmpeg-installer/ffmpeg` (binary shipped
 * inside npm packages), then `ffmpeg` on PATH.
 */
import * as fs from 'fs';
import * as path from 'path';

export const FFMPEG_ENV = 'METRICS_PLOTTER_FFMPEG';

export interface FfmpegLocation {
  path: string;
  source: 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
}

function isExecutable(file: string | null | undefined): file is string {
  if (!file) return false;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fromPackage(load: () => unknown): string | null {
  try {
    const mod = load() as string | { path?: string } | null;
    return typeof mod === 'string' ? mod : (mod?.path ?? null);
  } catch {
    return null; // not installed, or its platform package is missing
  }
}

function onPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'ffmpeg'))) return path.join(dir, 'ffmpeg');
  }
  return null;
}

let cached: FfmpegLocation | null = null;

export function findFfmpeg(): FfmpegLocation {
  const override = process.env[FFMPEG_ENV];
  if (override) {
    if (isExecutable(override)) return { path: override, source: 'env' };
    throw new Error(
      `metrics-plotter: ${FFMPEG_ENV}=${override} is not an executable file. ` +
        `Point it at an ffmpeg binary, or unset it to use the bundled one.`
    );
  }
  if (cached && isExecutable(cached.path)) return cached;
  // Plain require(): both packages are optional (missing, or missing their platform binary), and a
  // failed require is how we learn it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const candidates: Array<[FfmpegLocation['source'], () => string | null]> = [
    ['ffmpeg-static', () => fromPackage(() => require('ffmpeg-static'))],
    ['@ffmpeg-installer/ffmpeg', () => fromPackage(() => require('@ffmpeg-installer/ffmpeg'))],
    ['PATH', onPath]
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  for (const [source, find] of candidates) {
    const found = find();
    if (isExecutable(found)) return (cached = { path: found, source });
  }
  throw new Error(
    'metrics-plotter: no ffmpeg found, so videos cannot be encoded. Fix it with one of:\n' +
      '  - npm install @ffmpeg-installer/ffmpeg   (in the notebook folder; ships the binary in the npm package)\n' +
      '  - install ffmpeg on PATH                 (e.g. apt-get install ffmpeg, brew install ffmpeg)\n' +
      `  - set ${FFMPEG_ENV}=/path/to/ffmpeg     (in the environment Jupyter starts the kernel with)`
  );
}
