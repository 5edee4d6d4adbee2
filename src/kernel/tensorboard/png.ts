/**
 * A PNG of one frame, made in-process (zlib and CRC-32 from Node and @node-rs/crc32): a training
 * script's images go into event files as they are logged, where spawning ffmpeg per image would
 * cost more than the image. Filter 0 on every row, as TensorFlow's encoder writes them.
 */
import { crc32 } from '@node-rs/crc32';
import * as zlib from 'zlib';
import type { Channels } from '../media/frames';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE: Record<Channels, number> = { 1: 0, 3: 2, 4: 6 };

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** `pixels`: width × height × channels bytes, row-major. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: Channels): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = COLOR_TYPE[channels];
  const stride = width * channels;
  const rows = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) rows.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
