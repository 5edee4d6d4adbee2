/**
 * Turns the frame shapes researchers have into raw uint8 frames for ffmpeg, validating everything
 * before a single file is written: bad input must leave nothing behind.
 */

/** One image: what a canvas ImageData holds (RGBA), or RGB, row-major, 8 bits a channel. */
export interface FrameImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** A packed [T, H, W, C] array (C = 1, 3 or 4): uint8, or floats in [0, 1]. */
export interface PackedFrames {
  shape: readonly [number, number, number, number] | number[];
  data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | ArrayLike<number>;
}

export type FramesInput = readonly FrameImage[] | PackedFrames;

export type Channels = 1 | 3 | 4;

/** The ffmpeg rawvideo pixel format for each channel count. */
export const PIXEL_FORMAT: Record<Channels, string> = { 1: 'gray', 3: 'rgb24', 4: 'rgba' };

export interface FrameGeometry {
  width: number;
  height: number;
  channels: Channels;
}

export interface FrameSource extends FrameGeometry {
  count: number;
  /** The i-th frame as exactly width*height*channels bytes. */
  frame(i: number): Uint8Array;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(`metrics-plotter: ${message}`);
    this.name = 'FrameError';
  }
}

function isPositiveInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

function isByteArray(data: unknown): data is Uint8Array | Uint8ClampedArray {
  return data instanceof Uint8Array || data instanceof Uint8ClampedArray;
}

/** The largest side a video may have: H.264 encoders and browsers' decoders stop around here. */
export const MAX_VIDEO_SIDE = 8192;

/** Checks a video's size before anything is allocated or written. */
export function checkVideoSize(width: unknown, height: unknown, where = 'the video'): void {
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new FrameError(
      `${where} has width ${String(width)} and height ${String(height)}; both must be positive whole numbers.`
    );
  }
  if (width > MAX_VIDEO_SIDE || height > MAX_VIDEO_SIDE) {
    throw new FrameError(
      `${where} is ${width}x${height}; at most ${MAX_VIDEO_SIDE} pixels a side can be encoded and played back. ` +
        'Downscale the frames (e.g. render the environment at a smaller size).'
    );
  }
}

/** Validates one image frame and says how many channels its data holds. */
export function imageChannels(frame: FrameImage, index: number | null): Channels {
  const where = index === null ? 'frame' : `frame ${index}`;
  if (!frame || typeof frame !== 'object') throw new FrameError(`${where} is not an object like { width, height, data }.`);
  const { width, height, data } = frame;
  checkVideoSize(width, height, where);
  if (!isByteArray(data)) {
    throw new FrameError(`${where}.data must be a Uint8Array or Uint8ClampedArray (RGBA like ImageData, or RGB).`);
  }
  const pixels = width * height;
  if (data.length === pixels * 4) return 4;
  if (data.length === pixels * 3) return 3;
  throw new FrameError(
    `${where}.data holds ${data.length} bytes, but a ${width}x${height} frame needs ${pixels * 4} (RGBA) ` +
      `or ${pixels * 3} (RGB). Check width, height and the pixel layout.`
  );
}

function fromImages(frames: readonly FrameImage[]): FrameSource {
  if (frames.length === 0) throw new FrameError('no frames were given; pass at least one frame.');
  const first = frames[0];
  const channels = imageChannels(first, 0);
  frames.forEach((f, i) => {
    const c = imageChannels(f, i);
    if (f.width !== first.width || f.height !== first.height || c !== channels) {
      throw new FrameError(
        `frame ${i} is ${f.width}x${f.height} with ${c} channels, but frame 0 is ` +
          `${first.width}x${first.height} with ${channels}; all frames of a video must have the same size and layout.`
      );
    }
  });
  return {
    width: first.width,
    height: first.height,
    channels,
    count: frames.length,
    frame: i => frames[i].data as Uint8Array
  };
}

function fromPacked(input: PackedFrames): FrameSource {
  const { shape, data } = input;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every(isPositiveInt)) {
    throw new FrameError(
      `shape must be [frames, height, width, channels] of positive whole numbers; got ${JSON.stringify(shape)}.`
    );
  }
  const [count, height, width, c] = shape;
  checkVideoSize(width, height, 'each frame');
  if (c !== 1 && c !== 3 && c !== 4) throw new FrameError(`shape[3] (channels) is ${c}; it must be 1, 3 or 4.`);
  const channels = c as Channels;
  const frameSize = height * width * channels;
  if (!data || typeof (data as ArrayLike<number>).length !== 'number')
    throw new FrameError('data must be a typed array or an array of numbers.');
  if (data.length < count * frameSize) {
    throw new FrameError(
      `data holds ${data.length} values, shorter than shape ${JSON.stringify(shape)} needs (${count * frameSize}).`
    );
  }
  if (data.length !== count * frameSize) {
    throw new FrameError(
      `data holds ${data.length} values, but shape ${JSON.stringify(shape)} needs exactly ${count * frameSize}.`
    );
  }
  if (isByteArray(data)) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { width, height, channels, count, frame: i => bytes.subarray(i * frameSize, (i + 1) * frameSize) };
  }
  // Floats (or plain numbers): must be in [0, 1]; checked up front so a bad value writes no file.
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) {
      throw new FrameError(`data[${i}] is ${v}; float frames must hold values in [0, 1] (or pass a Uint8Array of 0..255).`);
    }
  }
  const scratch = new Uint8Array(frameSize);
  return {
    width,
    height,
    channels,
    count,
    frame: i => {
      const base = i * frameSize;
      for (let j = 0; j < frameSize; j++) scratch[j] = Math.round(data[base + j] * 255);
      return scratch;
    }
  };
}

export function toFrameSource(input: FramesInput): FrameSource {
  if (Array.isArray(input)) return fromImages(input as readonly FrameImage[]);
  if (input && typeof input === 'object' && 'shape' in input) return fromPacked(input as PackedFrames);
  throw new FrameError(
    'frames must be an array of { width, height, data } images, or one packed { shape: [T, H, W, C], data } array.'
  );
}
