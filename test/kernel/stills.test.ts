/**
 * Stills (src/kernel/media/still.ts, outputs/static-stills.ts): each media name's latest entry
 * leaves one small JPEG in the output's HTML part, made by the real ffmpeg, that the panel reads
 * back (`readStills`) and that outlives the files; and a saved output with charts, stills and every
 * other part stays under 100 kB.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetricsPlotter } from '../../src/kernel';
import { plotterInternals } from '../../src/kernel/internals';
import { isStillCandidate } from '../../src/kernel/media/still';
import { readStills, seriesKey, type PlotterPayload, PLOTTER_MIME_TYPE } from '../../src/protocol';
import { findFfmpeg } from '../../src/kernel/media/ffmpeg';

let root: string;
beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-stills-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** RGBA frames of one grey level each: frame t is grey t × 4. */
const greys = (count: number, width = 240, height = 160) =>
  Array.from({ length: count }, (_, t) => ({ width, height, data: new Uint8ClampedArray(width * height * 4).fill(t * 4) }));

/** A still decoded by the real ffmpeg: its codec, size and first pixel (RGB). */
function decode(src: string): { codec: string; width: number; height: number; pixel: number[] } {
  const jpeg = Buffer.from(src.replace('data:image/jpeg;base64,', ''), 'base64');
  const run = (format: string[]) =>
    spawnSync(findFfmpeg().path, ['-hide_banner', '-f', 'jpeg_pipe', '-i', 'pipe:0', ...format], { input: jpeg });
  const info = run(['-f', 'null', '-']).stderr.toString();
  const [, codec, width, height] = /Video: (\w+).*?, (\d+)x(\d+)/.exec(info) ?? [];
  const rgb = run(['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']).stdout;
  return { codec, width: Number(width), height: Number(height), pixel: [...rgb.subarray(0, 3)] };
}

const html = (p: MetricsPlotter): string => plotterInternals(p).bundle('v0')['text/html'] as string;

test("a video's still is there when its entry is: a small JPEG of a frame in its later half; an image's is the image; both read back from the HTML part", async () => {
  const plotter = new MetricsPlotter({ title: 'stills', root });
  await plotter.addVideoFromFrames('rollout', greys(60), { fps: 30, step: 5 });
  await plotter.addImage('map', greys(1, 64, 48)[0], { step: 5 });
  const stills = readStills(html(plotter));
  expect([...stills.keys()]).toEqual(['rollout', 'map']);
  const video = decode(stills.get('rollout')!.src);
  expect(video).toMatchObject({ codec: 'mjpeg', width: 120, height: 80 });
  // Frame 32 (the last power-of-two index of 60) is grey 128; JPEG keeps a flat grey within a step or two.
  for (const c of video.pixel) expect(Math.abs(c - 128)).toBeLessThanOrEqual(3);
  expect(stills.get('rollout')!.step).toBe(5);
  expect(decode(stills.get('map')!.src)).toMatchObject({ width: 64, height: 48 }); // never enlarged
  expect(stills.get('rollout')!.src.length).toBeLessThan(4000); // a few kB
  plotter.close();
});

test('frames kept for a still while a writer streams: index 0, 1, 2, 4, 8, … (at most log2(n) copies)', () => {
  const kept = Array.from({ length: 100 }, (_, i) => i).filter(isStillCandidate);
  expect(kept).toEqual([0, 1, 2, 4, 8, 16, 32, 64]);
});

test("only each name's latest entry (of each run) has a still; a replaced step's is made anew; after close() the stills stay and the files go", async () => {
  const plotter = new MetricsPlotter({ title: 'stills', root });
  await plotter.addVideoFromFrames('rollout', greys(4), { fps: 10, step: 0 });
  await plotter.addVideoFromFrames('rollout', greys(4), { fps: 10, step: 10 });
  await plotter.run('seed=1').addVideoFromFrames('rollout', greys(4), { fps: 10, step: 3 });
  let stills = readStills(html(plotter));
  expect([...stills].map(([k, s]) => [k, s.step])).toEqual([
    ['rollout', 10],
    [seriesKey({ name: 'rollout', run: 'seed=1' }), 3]
  ]);
  const before = stills.get('rollout')!.src;
  await plotter.addVideoFromFrames('rollout', greys(4).reverse(), { fps: 10, step: 10 });
  stills = readStills(html(plotter));
  expect(stills.get('rollout')!.src).not.toBe(before);
  const report = plotter.close();
  expect(report.ok).toBe(true);
  expect(plotter.media.every(m => !fs.existsSync(m.absolutePath))).toBe(true);
  const ended = html(plotter);
  expect(ended).toContain('(session ended, files removed)');
  expect(readStills(ended).size).toBe(2);
});

test('a saved output of 10 series × 100,000 points and 10 videos, every MIME part together, stays under 100 kB with its charts and stills', async () => {
  const plotter = new MetricsPlotter({ title: 'big', root });
  for (let s = 0; s < 10; s++)
    plotter.addMetric(
      `metric/${s}`,
      Float64Array.from({ length: 100_000 }, (_, i) => Math.exp(-i / 1000) + s)
    );
  for (let v = 0; v < 10; v++) await plotter.addVideoFromFrames(`video ${v}`, greys(8), { fps: 10 });
  // Every still is made by the time its entry is (in its encode's turn): those shown and those
  // counted as left out make ten.
  const made = (part: string) =>
    readStills(part).size + Number(/and (\d+) more media names? without a still here/.exec(part)?.[1] ?? 0);
  const bundle = plotterInternals(plotter).bundle('v0');
  expect(made(bundle['text/html'] as string)).toBe(10);
  const total = Object.values(bundle).reduce<number>((sum, part) => sum + Buffer.byteLength(JSON.stringify(part)), 0);
  expect(total).toBeLessThanOrEqual(100_000);
  const stills = readStills(bundle['text/html']);
  expect(stills.size).toBeGreaterThanOrEqual(5);
  if (stills.size < 10)
    expect(bundle['text/html']).toContain(
      `… and ${10 - stills.size} more media names without a still here (the output's size budget).`
    );
  expect((bundle[PLOTTER_MIME_TYPE] as PlotterPayload).metrics).toHaveLength(10);
  plotter.close();
});
