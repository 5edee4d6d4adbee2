/**
 * A media entry's still: one small JPEG of a frame, kept in memory (never a file), so that an
 * output still shows what a rollout looked like after its video was removed (docs/design-decisions.md,
 * "Outputs that read anywhere"). Made by the same ffmpeg that encodes the video.
 */
import { spawn } from 'child_process';
import { findFfmpeg } from './ffmpeg';
import { rawFramesInput, type FrameGeometry } from './frames';

/** A still is at most this wide (and its frame's aspect): a few kB as JPEG. */
export const STILL_WIDTH = 120;

/**
 * The frame a video's still is made of, among `count` written so far: the last one whose index is a
 * power of two (0, 1, 2, 4, …), which is in the later half of the video once it is finished. A writer
 * that does not know how many frames will come keeps at most log2(n) copies to end there.
 */
export function isStillCandidate(index: number): boolean {
  return index === 0 || (index & (index - 1)) === 0;
}

/** One raw frame as a JPEG at most STILL_WIDTH wide; null when ffmpeg could not make it (a still is extra). */
export function encodeStill(frame: Uint8Array, geometry: FrameGeometry): Promise<Buffer | null> {
  return new Promise(resolve => {
    let child;
    try {
      child = spawn(
        findFfmpeg().path,
        [
          '-hide_banner',
          '-loglevel',
          'error',
          ...rawFramesInput(geometry, 'pipe:0'),
          '-frames:v',
          '1',
          '-vf',
          `scale='min(${STILL_WIDTH},iw)':-1`,
          '-pix_fmt',
          'yuvj420p',
          '-q:v',
          '6',
          '-f',
          'image2pipe',
          '-c:v',
          'mjpeg',
          'pipe:1'
        ],
        { stdio: ['pipe', 'pipe', 'ignore'] }
      );
    } catch {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(null));
    child.on('close', code => resolve(code === 0 && chunks.length ? Buffer.concat(chunks) : null));
    child.stdin.on('error', () => undefined); // ffmpeg gone early: 'close' says so
    child.stdin.end(frame);
  });
}
