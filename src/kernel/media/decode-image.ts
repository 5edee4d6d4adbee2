/**
 * An encoded image (PNG, JPEG, or an animated GIF as PyTorch's `add_video` writes one) read back
 * into RGBA frames by the same ffmpeg that encodes the plotter's media, so that a watched run's
 * images and videos go through the library like any logged in the notebook (docs/tensorboard.md,
 * "Watching a log directory").
 */
import { spawn } from 'child_process';
import { findFfmpeg } from './ffmpeg';

/** Decoded frames at most (RGBA bytes): a GIF that decodes to more is not shown, and said so. */
export const MAX_DECODED_BYTES = 256 << 20;

export interface DecodedImage {
  width: number;
  height: number;
  /** The frame rate the file gives (a GIF's frame delay); 10 where it gives none. */
  fps: number;
  /** Each frame's RGBA bytes, width × height × 4. */
  frames: Uint8Array[];
}

/** The input stream's size and rate, from ffmpeg's description of it ("Video: gif, bgra, 48x32, 5 fps"). */
export function inputStreamOf(stderr: string): { width: number; height: number; fps: number | null } | null {
  const line = /Input #0[\s\S]*?Stream #0:0[^\n]*?: Video: ([^\n]*)/.exec(stderr)?.[1];
  // ", 48x32" (not a codec tag's "0x31637661")
  const size = line && /, (\d+)x(\d+)\b/.exec(line);
  if (!size) return null;
  const fps = /([\d.]+) fps/.exec(line!);
  return { width: Number(size[1]), height: Number(size[2]), fps: fps ? Number(fps[1]) : null };
}

/** Decodes `encoded` into RGBA frames; rejects with what went wrong (a file ffmpeg cannot read, or too large). */
export function decodeImage(encoded: Uint8Array): Promise<DecodedImage> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      findFfmpeg().path,
      ['-hide_banner', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-vsync', '0', 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'pipe'] }
    );
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let tooLarge = false;
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_DECODED_BYTES) {
        tooLarge = true;
        child.kill('SIGKILL');
      } else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 64 << 10) stderr += c.toString();
    });
    child.on('error', err => reject(new Error(`ffmpeg could not be started to read an image: ${err.message}`)));
    child.on('close', code => {
      if (tooLarge) return reject(new Error(`it decodes to more than ${MAX_DECODED_BYTES >> 20} MB of frames`));
      const stream = inputStreamOf(stderr);
      const data = Buffer.concat(chunks);
      const frameBytes = stream ? stream.width * stream.height * 4 : 0;
      if (code !== 0 || !stream || frameBytes === 0 || data.length === 0 || data.length % frameBytes !== 0) {
        const why = stderr.trim().split('\n').at(-1) ?? '';
        return reject(new Error(`ffmpeg could not read it as an image${why ? ` (${why})` : ''}`));
      }
      const frames: Uint8Array[] = [];
      for (let at = 0; at < data.length; at += frameBytes) frames.push(data.subarray(at, at + frameBytes));
      resolve({ width: stream.width, height: stream.height, fps: stream.fps && stream.fps > 0 ? stream.fps : 10, frames });
    });
    child.stdin.on('error', () => undefined); // ffmpeg gone early: 'close' says so
    child.stdin.end(encoded);
  });
}
