/**
 * Turns the frame shapes researchers have into raw uint8 frames for ffmpeg, validating everything
 * before a single file is written: bad input must leave nothing behind.
 */
import { InputError, checkMediaSize, isPositiveInt } from '../input';

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

/** ffmpeg's arguments for raw frames of `geometry` (at `fps`, for a video) read from `input`. */
export function rawFramesInput(geometry: FrameGeometry, input: string, fps?: number): string[] {
  const { width, height, channels } = geometry;
  const rate = fps === undefined ? [] : ['-r', String(fps)];
  return ['-f', 'rawvideo', '-pix_fmt', PIXEL_FORMAT[channels], '-s', `${width}x${height}`, ...rate, '-i', input];
}

export interface FrameSource extends FrameGeometry {
  count: number;
  /** The i-th frame as exactly width*height*channels bytes, never changed after it is returned. */
  frame(i: number): Uint8Array;
}

function isByteArray(data: unknown): data is Uint8Array | Uint8ClampedArray {
  return data instanceof Uint8Array || data instanceof Uint8ClampedArray;
}

/** Validates one image frame and says how many channels its data holds. */
export function imageChannels(frame: FrameImage, index: number | null): Channels {
  const where = index === null ? 'frame' : `frame ${index}`;
  if (!frame || typeof frame !== 'object') throw new InputError(`${where} is not an object like { width, height, data }.`);
  const { width, height, data } = frame;
  checkMediaSize(width, height, where);
  if (!isByteArray(data)) {
    throw new InputError(`${where}.data must be a Uint8Array or Uint8ClampedArray (RGBA like ImageData, or RGB).`);
  }
  const pixels = width * height;
  if (data.length === pixels * 4) return 4;
  if (data.length === pixels * 3) return 3;
  throw new InputError(
    `${where}.data holds ${data.length} bytes, but a ${width}x${height} frame needs ${pixels * 4} (RGBA) ` +
      `or ${pixels * 3} (RGB). Check width, height and the pixel layout.`
  );
}

function fromImages(frames: readonly FrameImage[]): FrameSource {
  if (frames.length === 0) throw new InputError('no frames were given; pass at least one frame.');
  const first = frames[0];
  const channels = imageChannels(first, 0);
  frames.forEach((f, i) => {
    const c = imageChannels(f, i);
    if (f.width !== first.width || f.height !== first.height || c !== channels) {
      throw new InputError(
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
    throw new InputError(
      `shape must be [frames, height, width, channels] of positive whole numbers; got ${JSON.stringify(shape)}.`
    );
  }
  const [count, height, width, c] = shape;
  checkMediaSize(width, height, 'each frame');
  if (c !== 1 && c !== 3 && c !== 4) throw new InputError(`shape[3] (channels) is ${c}; it must be 1, 3 or 4.`);
  const channels = c as Channels;
  const frameSize = height * width * channels;
  if (!data || typeof (data as ArrayLike<number>).length !== 'number')
    throw new InputError('data must be a typed array or an array of numbers.');
  if (data.length < count * frameSize) {
    throw new InputError(
      `data holds ${data.length} values, shorter than shape ${JSON.stringify(shape)} needs (${count * frameSize}).`
    );
  }
  if (data.length !== count * frameSize) {
    throw new InputError(
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
      throw new InputError(`data[${i}] is ${v}; float frames must hold values in [0, 1] (or pass a Uint8Array of 0..255).`);
    }
  }
  return {
    width,
    height,
    channels,
    count,
    // A new buffer for each frame: frames handed to the encoder are never changed afterwards.
    frame: i => {
      const base = i * frameSize;
      const bytes = new Uint8Array(frameSize);
      for (let j = 0; j < frameSize; j++) bytes[j] = Math.round(data[base + j] * 255);
      return bytes;
    }
  };
}

export function toFrameSource(input: FramesInput): FrameSource {
  if (Array.isArray(input)) return fromImages(input as readonly FrameImage[]);
  if (input && typeof input === 'object' && 'shape' in input) return fromPacked(input as PackedFrames);
  throw new InputError(
    'frames must be an array of { width, height, data } images, or one packed { shape: [T, H, W, C], data } array.'
  );
}

/**
 * One image in any accepted frame format: `{ width, height, data }`, or packed as [H, W, C] or
 * [1, H, W, C] (uint8, or floats in [0, 1]).
 */
export function toSingleFrame(input: FrameImage | PackedFrames): FrameSource {
  if (input && typeof input === 'object' && 'shape' in input && Array.isArray(input.shape) && input.shape.length === 3) {
    return fromPacked({ shape: [1, ...input.shape], data: input.data });
  }
  const source = 'shape' in (input ?? {}) ? toFrameSource(input as PackedFrames) : toFrameSource([input as FrameImage]);
  if (source.count !== 1) throw new InputError(`an image is one frame; got ${source.count}. Use addVideoFromFrames for several.`);
  return source;
}
