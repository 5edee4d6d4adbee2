/** Reads an MP4 back with the real ffmpeg: stream facts from its report, and the decoded frames. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { findFfmpeg } from '../../src/kernel/media/ffmpeg';

export interface ProbedVideo {
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  frames: number;
  /** moov before mdat: playback can start before the whole file arrived (+faststart). */
  faststart: boolean;
  /** The first decoded frame, RGB24. */
  firstFrame: Buffer;
}

export function probeVideo(file: string): ProbedVideo {
  const ffmpeg = findFfmpeg().path;
  const info = spawnSync(ffmpeg, ['-hide_banner', '-i', file], { encoding: 'utf8' }).stderr;
  const m = /Video: (\w+)[^,]*, (\w+)[^,]*, (\d+)x(\d+)/.exec(info);
  if (!m) throw new Error(`ffmpeg could not read ${file}:\n${info}`);
  const [, codec, pixelFormat, w, h] = m;
  const width = Number(w);
  const height = Number(h);
  const decoded = spawnSync(ffmpeg, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    maxBuffer: 1 << 30
  });
  if (decoded.status !== 0) throw new Error(`decoding ${file} failed: ${decoded.stderr}`);
  const frameBytes = width * height * 3;
  const bytes = fs.readFileSync(file);
  return {
    codec,
    pixelFormat,
    width,
    height,
    frames: decoded.stdout.length / frameBytes,
    faststart: bytes.indexOf('moov') >= 0 && bytes.indexOf('moov') < bytes.indexOf('mdat'),
    firstFrame: decoded.stdout.subarray(0, frameBytes)
  };
}
