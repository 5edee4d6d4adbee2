/**
 * Videos made in a real tslab kernel with the real ffmpeg, read back with ffmpeg; and every kind of
 * bad input, each with a clear error and nothing left on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KernelProcess, listTree, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';
import { probeVideo } from '../support/media';

jest.setTimeout(180_000);

let dir: string;
let kernel: KernelProcess;

beforeAll(async () => {
  dir = makeNotebookDir('video');
  kernel = await KernelProcess.start(dir);
  await kernel.run(`
import { MetricsPlotter } from "metrics-plotter";
// A frame of one colour, RGBA or RGB: what a canvas or an environment renderer gives.
function solid(w: number, h: number, rgb: number[], channels = 4) {
  const data = new Uint8ClampedArray(w * h * channels);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = c < 3 ? rgb[c] : 255;
  return { width: w, height: h, data };
}
const plotter = new MetricsPlotter({ title: "videos" });
`);
});

afterAll(async () => {
  await kernel.shutdownLikeJupyter(false);
  removeNotebookDir(dir);
});

async function videoPath(name: string): Promise<string> {
  const r = await kernel.run(`console.log(plotter.videos.find(v => v.name === ${JSON.stringify(name)})!.absolutePath)`);
  return r.stdout.trim();
}

test('RGBA frames of an odd size become an H.264 yuv420p +faststart MP4 that decodes back', async () => {
  await kernel.run(
    `await plotter.addVideoFromFrames("red", Array.from({ length: 24 }, () => solid(33, 17, [230, 20, 20])), { fps: 12 });`
  );
  const file = await videoPath('red');
  expect(path.relative(dir, file)).toMatch(/^assets\/metrics-plotter-\d+-[0-9a-f]{8}\/red\.mp4$/);
  const v = probeVideo(file);
  expect(v).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p', width: 34, height: 18, frames: 24, faststart: true });
  // The middle pixel decodes back to (nearly) the red it was.
  const mid = (9 * 34 + 16) * 3;
  expect(v.firstFrame[mid]).toBeGreaterThan(200);
  expect(v.firstFrame[mid + 1]).toBeLessThan(50);
});

test('RGB frames, and packed [T,H,W,C] frames as uint8 and as floats in [0, 1]', async () => {
  await kernel.run(`
await plotter.addVideoFromFrames("rgb", Array.from({ length: 5 }, () => solid(16, 16, [0, 0, 240], 3)), { fps: 5 });
await plotter.addVideoFromFrames("packed-gray", { shape: [6, 8, 10, 1], data: new Uint8Array(6 * 8 * 10).fill(128) }, { fps: 6 });
await plotter.addVideoFromFrames("packed-float", { shape: [4, 8, 8, 3], data: new Float32Array(4 * 8 * 8 * 3).fill(1) }, { fps: 4 });
`);
  const rgb = probeVideo(await videoPath('rgb'));
  expect(rgb).toMatchObject({ width: 16, height: 16, frames: 5 });
  expect(rgb.firstFrame[2]).toBeGreaterThan(200);
  const gray = probeVideo(await videoPath('packed-gray'));
  expect(gray).toMatchObject({ width: 10, height: 8, frames: 6 });
  expect(Math.abs(gray.firstFrame[0] - 128)).toBeLessThan(8);
  const white = probeVideo(await videoPath('packed-float'));
  expect(white).toMatchObject({ frames: 4 });
  expect(white.firstFrame[0]).toBeGreaterThan(240);
});

test('the streaming writer encodes frames as they come, without holding them', async () => {
  await kernel.run(`
const w = plotter.createVideoWriter("stream", { fps: 20, width: 20, height: 12 });
for (let t = 0; t < 40; t++) await w.write(solid(20, 12, [t * 6, 100, 0]));
await w.finish();
`);
  expect(probeVideo(await videoPath('stream'))).toMatchObject({ width: 20, height: 12, frames: 40 });
});

test('a long video shows its encoding progress in the cell, updated in place, and nothing once encoded', async () => {
  const r = await kernel.run(
    `await plotter.addVideoFromFrames("long", Array.from({ length: 200 }, () => solid(8, 8, [1, 2, 3])), { fps: 50 });`
  );
  const first = r.outputs.find(o => /^Encoding "long"/.test(o.content.data?.['text/plain'] ?? ''));
  const progress = r.outputs.filter(o => o.content.transient?.display_id === first?.content.transient.display_id);
  expect(progress[0].msg_type).toBe('display_data');
  expect(progress.slice(1).every(o => o.msg_type === 'update_display_data')).toBe(true);
  const texts = progress.slice(0, -1).map(o => o.content.data['text/plain']);
  expect(texts.length).toBeGreaterThan(1);
  expect(texts.every(t => /^Encoding "long": \d+\/200 frames \(\d+%\)…$/.test(t))).toBe(true);
  // Transient: the last update empties it (the panel's card tells the result), so nothing is saved.
  expect(progress[progress.length - 1].content.data).toEqual({});
});

describe('bad input: a clear error, and no file left behind', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['no frames', `await plotter.addVideoFromFrames("a", [], { fps: 10 })`, /no frames were given/],
    [
      'frames of different sizes',
      `await plotter.addVideoFromFrames("b", [solid(8, 8, [0, 0, 0]), solid(8, 6, [0, 0, 0])], { fps: 10 })`,
      /frame 1 is 8x6 .* all frames of a video must have the same size/
    ],
    [
      'data shorter than width*height*channels',
      `await plotter.addVideoFromFrames("c", [{ width: 8, height: 8, data: new Uint8Array(100) }], { fps: 10 })`,
      /frame 0.data holds 100 bytes, but a 8x8 frame needs 256 \(RGBA\) or 192 \(RGB\)/
    ],
    [
      'packed data shorter than its shape',
      `await plotter.addVideoFromFrames("d", { shape: [2, 4, 4, 3], data: new Uint8Array(50) }, { fps: 10 })`,
      /data holds 50 values, shorter than shape \[2,4,4,3\] needs \(96\)/
    ],
    [
      'floats out of [0, 1]',
      `await plotter.addVideoFromFrames("e", { shape: [1, 2, 2, 1], data: [0, 0.5, 2, 1] }, { fps: 10 })`,
      /data\[2\] is 2; float frames must hold values in \[0, 1\]/
    ],
    [
      'fps zero',
      `await plotter.addVideoFromFrames("f", [solid(8, 8, [0, 0, 0])], { fps: 0 })`,
      /fps must be a positive number .* got 0/
    ],
    [
      'fps negative',
      `await plotter.addVideoFromFrames("g", [solid(8, 8, [0, 0, 0])], { fps: -5 })`,
      /fps must be a positive number/
    ],
    [
      'fps not a number',
      `await plotter.addVideoFromFrames("h", [solid(8, 8, [0, 0, 0])], { fps: NaN })`,
      /fps must be a positive number .* got NaN/
    ],
    [
      'a name that climbs out of the folder',
      `await plotter.addVideoFromFrames("../../escape", [solid(8, 8, [0, 0, 0])], { fps: 10 })`,
      /contains a path .* use a plain name/
    ],
    [
      'an absolute path as name',
      `await plotter.addVideoFromFrames("/tmp/x", [solid(8, 8, [0, 0, 0])], { fps: 10 })`,
      /contains a path/
    ],
    [
      'a streaming frame of the wrong size',
      `const w2 = plotter.createVideoWriter("i", { fps: 10, width: 8, height: 8 }); await w2.write(solid(8, 8, [0, 0, 0])); await w2.write(solid(4, 4, [0, 0, 0]));`,
      /frame 1 is 4x4 with 4 channels, but the video "i" is 8x8/
    ],
    [
      'finishing a stream with no frames',
      `await plotter.createVideoWriter("j", { fps: 10, width: 8, height: 8 }).finish()`,
      /no frames were written to the video "j"/
    ],
    [
      'a streaming video of negative width',
      `plotter.createVideoWriter("k", { fps: 5, width: -64, height: 64 })`,
      /the video has width -64 and height 64; both must be positive whole numbers/
    ],
    [
      'a streaming video a million pixels a side (checked before anything is allocated)',
      `plotter.createVideoWriter("l", { fps: 5, width: 1e6, height: 1e6 })`,
      /the video is 1000000x1000000; at most 8192 pixels a side can be encoded and played back\. Downscale the frames/
    ],
    [
      'packed frames too large a side',
      `await plotter.addVideoFromFrames("m", { shape: [1, 1, 9000, 1], data: new Uint8Array(9000) }, { fps: 5 })`,
      /each frame is 9000x1; at most 8192 pixels a side/
    ],
    [
      'fps of a billion',
      `await plotter.addVideoFromFrames("n", [solid(8, 8, [0, 0, 0])], { fps: 1e9 })`,
      /fps is 1000000000; it must be between 0\.01 and 1000 frames a second/
    ],
    [
      'a crf out of range',
      `await plotter.addVideoFromFrames("o", [solid(8, 8, [0, 0, 0])], { fps: 5, crf: 99 })`,
      /crf is 99; it must be a whole number from 0 \(lossless\) to 51/
    ],
    [
      'a metric value that is not a number',
      `plotter.addScalar("loss", "0.5" as any)`,
      /the value of "loss" must be a number; got string "0.5"/
    ],
    [
      'a media step that is not a finite number',
      `await plotter.addVideoFromFrames("p", [solid(8, 8, [0, 0, 0])], { fps: 10, step: Infinity })`,
      /the step of "p" must be a finite number; got Infinity/
    ],
    [
      'keepLast of zero',
      `await plotter.addVideoFromFrames("q", [solid(8, 8, [0, 0, 0])], { fps: 10, keepLast: 0 })`,
      /"q": keepLast is 0; it must be a whole number of at least 1/
    ],
    [
      'an image of two frames',
      `await plotter.addImage("r", { shape: [2, 4, 4, 3], data: new Uint8Array(96) })`,
      /an image is one frame; got 2\. Use addVideoFromFrames for several/
    ]
  ];
  test.each(cases)('%s', async (_what, code, message) => {
    const before = listTree(dir);
    const r = await kernel.execute(code);
    expect(r.status).toBe('error');
    expect(r.stderr).toMatch(message);
    expect(listTree(dir)).toEqual(before);
  });

  test('in a fresh folder, a failed first video leaves not even assets/', async () => {
    const fresh = makeNotebookDir('bad-first');
    const k = await KernelProcess.start(fresh);
    try {
      await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const p = new MetricsPlotter();
const w = p.createVideoWriter("x", { fps: 10, width: 4, height: 4 });
await w.write(new Uint8Array(64));`);
      expect(listTree(fresh).length).toBeGreaterThan(0);
      const r = await k.execute('await w.write(new Uint8Array(10));');
      expect(r.status).toBe('error');
      expect(r.stderr).toMatch(/a frame holds 10 bytes but this 4x4 video with 4 channels needs 64/);
      expect(listTree(fresh)).toEqual([]);
    } finally {
      await k.shutdownLikeJupyter(false);
      removeNotebookDir(fresh);
    }
  });
});

test('no ffmpeg anywhere: the error says how to fix it, and nothing is written', async () => {
  const fresh = makeNotebookDir('no-ffmpeg');
  const k = await KernelProcess.start(fresh, { METRICS_PLOTTER_FFMPEG: path.join(fresh, 'missing-ffmpeg') });
  try {
    const r = await k.execute(`
import { MetricsPlotter } from "metrics-plotter";
await new MetricsPlotter().addVideoFromFrames("x", [{ width: 2, height: 2, data: new Uint8Array(16) }], { fps: 1 });`);
    expect(r.stderr).toMatch(/METRICS_PLOTTER_FFMPEG=.*missing-ffmpeg is not an executable file/);
    expect(fs.readdirSync(fresh)).toEqual([]);
  } finally {
    await k.shutdownLikeJupyter(false);
    removeNotebookDir(fresh);
  }
});
