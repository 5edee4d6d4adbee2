/**
 * Frames as an animated GIF, looping, by the plotter's ffmpeg with a palette made for the clip (its
 * `palettegen` and `paletteuse`): how PyTorch's `add_video` puts a video in an event file, so that
 * TensorBoard, W&B and a watching plotter all show it (tensorboard/summary-writer.ts).
 */
import { spawn } from 'child_process';
import { findFfmpeg } from './ffmpeg';
import { rawFramesInput, type FrameGeometry } from './frames';

/** `frames`: each width × height × channels bytes. Rejects with ffmpeg's last words when it fails. */
export function encodeGif(frames: readonly Uint8Array[], geometry: FrameGeometry, fps: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      findFfmpeg().path,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...rawFramesInput(geometry, 'pipe:0', fps),
        '-filter_complex',
        '[0:v]split[a][b];[a]palettegen=reserve_transparent=0[p];[b][p]paletteuse',
        '-loop',
        '0',
        '-f',
        'gif',
        'pipe:1'
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] }
    );
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 16 << 10) stderr += c.toString();
    });
    child.on('error', err => reject(new Error(`ffmpeg could not be started to make a GIF: ${err.message}`)));
    child.on('close', code => {
      if (code === 0 && chunks.length) resolve(Buffer.concat(chunks));
      else reject(new Error(`ffmpeg could not make a GIF (${stderr.trim().split('\n').at(-1) ?? `exit ${code}`})`));
    });
    child.stdin.on('error', () => undefined); // ffmpeg gone early: 'close' says so
    for (const frame of frames) child.stdin.write(frame);
    child.stdin.end();
  });
}
