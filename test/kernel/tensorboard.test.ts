/**
 * TensorBoard's event files, both ways, against the real writer and reader from PyPI (in
 * `.venv-tensorboard`, which scripts/test.sh makes): what our SummaryWriter writes, TensorBoard's
 * own reader (EventAccumulator) reads with every value equal (videos as animated GIFs, histograms); what tensorboardX writes (scalars,
 * images, histograms, hparams, a text summary of a plugin we do not read), our reader reads; a
 * record still being written is not read until complete, and one whose CRC is wrong is skipped and
 * counted.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readEventFile, SummaryWriter } from '../../src/kernel/tensorboard';
import { LogdirReader, type LogdirUpdate } from '../../src/kernel/tensorboard/logdir-reader';
import {
  decodeEvent,
  decodeSessionStartHParams,
  encodeEvent,
  tensorNumbers,
  type TbEvent
} from '../../src/kernel/tensorboard/messages';
import { eachRecord, frameRecord, readRecords } from '../../src/kernel/tensorboard/records';
import { TagNames, readScalarEvent, scalarEventRecord } from '../../src/kernel/tensorboard/scalar-events';
import { REPO } from '../support/kernel-process';

const PYTHON = path.join(REPO, '.venv-tensorboard', 'bin', 'python');

function python(script: string, cwd: string): string {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(
      `TensorBoard tests need tensorboard and tensorboardX in ${path.dirname(path.dirname(PYTHON))}: run ./scripts/test.sh.`
    );
  }
  const run = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python failed:\n${run.stderr}`);
  return run.stdout;
}

/** Every event of every event file under `dir`, by the folder (relative to `dir`) that holds it. */
function eventsByFolder(dir: string): Map<string, TbEvent[]> {
  const out = new Map<string, TbEvent[]>();
  const walk = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.includes('tfevents')) {
        const run = path.relative(dir, folder) || '.';
        out.set(run, [...(out.get(run) ?? []), ...readEventFile(full).events]);
      }
    }
  };
  walk(dir);
  return out;
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-tensorboard-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("TensorBoard's EventAccumulator reads what our SummaryWriter writes: scalars (as float32), images, the run's config as hparams", () => {
  const runDir = path.join(dir, 'lr=3e-4 seed=1');
  const writer = new SummaryWriter(runDir, { config: { lr: 3e-4, seed: 1, optimizer: 'adam', warmup: true } });
  for (let step = 0; step < 50; step++)
    writer.addScalar('loss/train', Math.exp(-step / 10) + 0.1, step * 10, 1_700_000_000 + step);
  writer.addMetric('reward', [1, 2.5, -3, 1e-7]);
  const pixels = new Uint8ClampedArray(8 * 6 * 4).map((_, i) => (i * 37) % 256);
  writer.addImage('frame', { width: 8, height: 6, data: pixels }, { step: 40 });
  writer.close();

  const read = JSON.parse(
    python(
      `
import json, io
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
ea = EventAccumulator(${JSON.stringify(runDir)}, size_guidance={'scalars': 0, 'images': 0})
ea.Reload()
tags = ea.Tags()
out = {'scalars': {t: [[e.step, e.value, e.wall_time] for e in ea.Scalars(t)] for t in tags['scalars']}}
out['images'] = [[e.step, e.width, e.height, list(Image.open(io.BytesIO(e.encoded_image_string)).convert('RGBA').getdata())[:3]] for e in ea.Images('frame')]
content = ea.PluginTagToContent('hparams')['_hparams_/session_start_info']
info = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
out['hparams'] = {k: v.WhichOneof('kind') and getattr(v, v.WhichOneof('kind')) for k, v in info.hparams.items()}
print(json.dumps(out))
`,
      dir
    )
  );
  expect(Object.keys(read.scalars).sort()).toEqual(['loss/train', 'reward']);
  expect(read.scalars['loss/train']).toEqual(
    Array.from({ length: 50 }, (_, step) => [step * 10, Math.fround(Math.exp(-step / 10) + 0.1), 1_700_000_000 + step])
  );
  expect(read.scalars.reward.map((e: number[]) => [e[0], e[1]])).toEqual([
    [0, 1],
    [1, 2.5],
    [2, -3],
    [3, Math.fround(1e-7)]
  ]);
  expect(read.images).toEqual([[40, 8, 6, [[...pixels.slice(0, 4)], [...pixels.slice(4, 8)], [...pixels.slice(8, 12)]]]]);
  expect(read.hparams).toEqual({ lr: 3e-4, seed: 1, optimizer: 'adam', warmup: true });
});

test("TensorBoard's EventAccumulator reads our videos as PyTorch's add_video writes them (an animated GIF, every frame) and our histograms (every bucket)", async () => {
  const runDir = path.join(dir, 'ppo');
  const writer = new SummaryWriter(runDir);
  // Six frames of a white band 8 px wide moving right over black, 48 × 32.
  const frames = Array.from({ length: 6 }, (_, t) => {
    const data = new Uint8ClampedArray(48 * 32 * 4);
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 48; x++) data.fill(x >= t * 8 && x < t * 8 + 8 ? 255 : 0, (y * 48 + x) * 4, (y * 48 + x) * 4 + 3);
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
    return { width: 48, height: 32, data };
  });
  const logged = writer.addVideoFromFrames('rollout', frames, { fps: 5, step: 3 });
  const values = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 2);
  writer.addHistogram('weights', [...values, NaN, Infinity], 7);
  writer.close(); // the GIF is still being made: the file closes after it
  await logged;

  const read = JSON.parse(
    python(
      `
import json, io
from PIL import Image, ImageSequence
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(${JSON.stringify(runDir)}, size_guidance={'images': 0, 'histograms': 0})
ea.Reload()
out = {'videos': [], 'histograms': []}
for e in ea.Images('rollout'):
    gif = Image.open(io.BytesIO(e.encoded_image_string))
    frames = [f.convert('RGB') for f in ImageSequence.Iterator(gif)]
    out['videos'].append({'step': e.step, 'size': [e.width, e.height], 'format': gif.format, 'duration': gif.info.get('duration'),
        'bands': [[x for x in range(48) if f.getpixel((x, 16))[0] > 128] for f in frames]})
for e in ea.Histograms('weights'):
    h = e.histogram_value
    out['histograms'].append({'step': e.step, 'min': h.min, 'max': h.max, 'num': h.num, 'sum': h.sum, 'sumSquares': h.sum_squares,
        'limits': list(h.bucket_limit), 'counts': list(h.bucket)})
print(json.dumps(out))
`,
      dir
    )
  );
  expect(read.videos).toEqual([
    {
      step: 3,
      size: [48, 32],
      format: 'GIF',
      duration: 200, // ms a frame: 5 fps
      bands: Array.from({ length: 6 }, (_, t) => Array.from({ length: 8 }, (_, k) => t * 8 + k))
    }
  ]);
  const [h] = read.histograms;
  const min = Math.min(...values);
  const max = Math.max(...values);
  expect(h).toMatchObject({ step: 7, min, max, num: 1000 });
  expect(h.sum).toBeCloseTo(
    values.reduce((a, b) => a + b),
    9
  );
  expect(h.sumSquares).toBeCloseTo(
    values.reduce((a, b) => a + b * b),
    9
  );
  expect(h.limits).toHaveLength(30);
  expect(h.limits.at(-1)).toBe(max);
  // Each bucket holds the values in (its left edge, its right edge], as TensorBoard reads them.
  const expected = h.limits.map(
    (limit: number, k: number) => values.filter(v => v <= limit && (k === 0 || v > h.limits[k - 1])).length
  );
  expect(h.counts).toEqual(expected);
  expect(h.counts.reduce((a: number, b: number) => a + b)).toBe(1000);
});

test('our reader reads what tensorboardX writes: scalars, a PNG image, a histogram, PyTorch-style hparams in a child folder, and skips a plugin it does not know', () => {
  python(
    `
import numpy as np
from tensorboardX import SummaryWriter
w = SummaryWriter('run-a')
for step in range(20):
    w.add_scalar('loss', 1.0 / (step + 1), step)
w.add_image('obs', np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3), 7, dataformats='HWC')
w.add_histogram('weights', np.array([0.1, 0.2, 0.2, 0.9, 3.0]), 5)
w.add_text('notes', 'hello', 0)
w.add_hparams({'lr': 0.001, 'opt': 'sgd'}, {'hparam/best': 0.5})
w.close()
`,
    dir
  );
  const runs = eventsByFolder(dir);
  const runA = runs.get('run-a')!;
  expect(runA[0].fileVersion).toBe('brain.Event:2');
  const values = runA.flatMap(e => e.values.map(v => ({ step: e.step, ...v })));
  expect(values.filter(v => v.tag === 'loss').map(v => [v.step, v.simpleValue])).toEqual(
    Array.from({ length: 20 }, (_, step) => [step, Math.fround(1 / (step + 1))])
  );
  const image = values.find(v => v.tag === 'obs')!;
  expect([image.step, image.image!.width, image.image!.height]).toEqual([7, 5, 4]);
  expect([...image.image!.encoded.subarray(1, 4)].map(c => String.fromCharCode(c)).join('')).toBe('PNG');
  const histogram = values.find(v => v.tag === 'weights')!;
  expect(histogram.step).toBe(5);
  expect(histogram.histogram!.num).toBe(5);
  expect(histogram.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(5);
  expect([histogram.histogram!.min, histogram.histogram!.max]).toEqual([0.1, 3]);
  // Text is a plugin the plotter does not draw: read as an unknown value, nothing else.
  expect(values.find(v => v.tag.startsWith('notes'))!.plugin).toBe('text');
  // add_hparams writes a child folder of the run, as PyTorch's does, with the config and the metric.
  const [child] = [...runs.keys()].filter(k => k.startsWith('run-a' + path.sep));
  const childValues = runs.get(child)!.flatMap(e => e.values);
  const start = childValues.find(v => v.tag === '_hparams_/session_start_info')!;
  expect(start.plugin).toBe('hparams');
  expect(decodeSessionStartHParams(start.pluginContent!)).toEqual({ lr: 0.001, opt: 'sgd' });
  const metric = childValues.find(v => v.tag === 'hparam/best')!;
  expect(metric.simpleValue ?? tensorNumbers(metric.tensor!)![0]).toBe(0.5);
});

test('a script that ends without close() keeps what it logged: the writer flushes at exit', () => {
  const script = `const { SummaryWriter } = require(${JSON.stringify(path.join(REPO, 'lib/kernel/tensorboard'))});
const w = new SummaryWriter('run', { flushSecs: 3600 });
w.addScalar('x', 1, 0).addScalar('x', 2, 1);`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  const [file] = fs.readdirSync(path.join(dir, 'run'));
  const events = readEventFile(path.join(dir, 'run', file)).events;
  expect(events.flatMap(e => e.values.map(v => [e.step, v.simpleValue]))).toEqual([
    [0, 1],
    [1, 2]
  ]);
});

test('a record still being written is read once complete; a record whose CRC is wrong is skipped and counted, the next read', () => {
  const writer = new SummaryWriter(dir);
  writer.addScalar('x', 1, 0).addScalar('x', 2, 1).addScalar('x', 3, 2);
  writer.close();
  const bytes = fs.readFileSync(writer.file);
  const whole = readRecords(bytes);
  expect([whole.records.length, whole.corrupt, whole.consumed]).toEqual([4, 0, bytes.length]);
  // Every cut inside the last record: the three before it are read, the last waits.
  const last = frameRecord(whole.records[3]).length;
  for (let cut = 1; cut < last; cut++) {
    const part = readRecords(bytes.subarray(0, bytes.length - cut));
    expect([part.records.length, part.corrupt, part.consumed, part.unframeable]).toEqual([3, 0, bytes.length - last, false]);
  }
  // A flipped byte in the first scalar's data (the second record): it is skipped, counted, and the rest read.
  const damaged = Buffer.from(bytes);
  const secondData = frameRecord(whole.records[0]).length + frameRecord(whole.records[1]).length + 12 + 2;
  damaged[secondData] ^= 0xff;
  const read = readRecords(damaged);
  expect([read.records.length, read.corrupt, read.consumed]).toEqual([3, 1, bytes.length]);
});

test('the hot path for scalars reads exactly what the full decoder reads, and leaves every other event to it whole', () => {
  python(
    `
import numpy as np
from tensorboardX import SummaryWriter
w = SummaryWriter('run')
for step in range(20):
    w.add_scalar('loss/train', 1.0 / (step + 1), step)
    w.add_scalar('reward', step * 0.5, step)
w.add_scalar('before the start', 2.0, -3)
w.add_image('obs', np.zeros((4, 5, 3), dtype=np.uint8), 7, dataformats='HWC')
w.add_histogram('weights', np.array([0.1, 0.2, 0.9]), 5)
w.add_text('notes', 'hello', 0)
w.add_hparams({'lr': 0.001}, {'hparam/best': 0.5})
w.close()
`,
    dir
  );
  // Events of two values: both scalars (read here), a scalar and an image (left whole to the full decoder).
  const image = { width: 1, height: 1, encoded: new Uint8Array([1, 2, 3]) };
  fs.writeFileSync(
    path.join(dir, 'run', 'events.out.tfevents.1.ours'),
    Buffer.concat([
      frameRecord(
        encodeEvent({
          wallTime: 5,
          step: 3,
          values: [
            { tag: 'a', simpleValue: 1 },
            { tag: 'b', simpleValue: 2 }
          ]
        })
      ),
      frameRecord(
        encodeEvent({
          wallTime: 6,
          step: 4,
          values: [
            { tag: 'a', simpleValue: 3 },
            { tag: 'img', image }
          ]
        })
      )
    ])
  );
  const tags = new TagNames();
  let read = 0;
  let left = 0;
  for (const events of eventFiles(dir)) {
    const bytes = fs.readFileSync(events);
    eachRecord(bytes, (start, end) => {
      const given: unknown[] = [];
      const event = decodeEvent(bytes.subarray(start, end));
      if (
        readScalarEvent(bytes, start, end, tags, (tag, step, value, wallTime) =>
          given.push([tags.name(tag), step, value, wallTime])
        )
      ) {
        read++;
        expect(event.values.every(v => v.simpleValue !== undefined && !v.image && !v.histogram && !v.tensor)).toBe(true);
        expect(given).toEqual(event.values.map(v => [v.tag, event.step, v.simpleValue, event.wallTime]));
      } else {
        left++;
        expect(given).toEqual([]);
        expect(event.step < 0 || event.values.some(v => v.simpleValue === undefined)).toBe(true);
      }
    });
  }
  // 40 scalars, the version lines and our two-scalar event read here; the negative step, the
  // image, histogram, text, hparams and our scalar-and-image event left.
  expect(read).toBeGreaterThanOrEqual(43);
  expect(left).toBeGreaterThanOrEqual(6);
});

test('a record larger than a read at a time (a long video) is read whole, with the scalars around it', () => {
  const encoded = new Uint8Array(9 << 20).map((_, i) => (i * 7919) % 251);
  const run = path.join(dir, 'run');
  fs.mkdirSync(run);
  fs.writeFileSync(
    path.join(run, 'events.out.tfevents.1.big'),
    Buffer.concat([
      frameRecord(encodeEvent({ wallTime: 1, step: 0, values: [{ tag: 'x', simpleValue: 1 }] })),
      frameRecord(encodeEvent({ wallTime: 2, step: 1, values: [{ tag: 'video', image: { width: 1, height: 1, encoded } }] })),
      frameRecord(encodeEvent({ wallTime: 3, step: 2, values: [{ tag: 'x', simpleValue: 2 }] }))
    ])
  );
  const updates: LogdirUpdate[] = [];
  const reader = new LogdirReader(dir);
  expect(reader.poll(u => updates.push(u))).toEqual([]);
  expect(updates.flatMap(u => [...u.scalars.values])).toEqual([1, 2]);
  const images = updates.flatMap(u => u.images);
  expect(images.map(i => [i.run, i.tag, i.step])).toEqual([['run', 'video', 1]]);
  expect(Buffer.from(images[0].encoded).equals(Buffer.from(encoded))).toBe(true);
});

/** Every event file under `folder`. */
function eventFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && e.name.includes('tfevents'))
    .map(e => path.join(e.parentPath ?? e.path, e.name));
}

test("the writer's scalar events, encoded by hand, are byte for byte the library's; a step TensorBoard cannot hold is refused, a batch whole or not at all", () => {
  for (const tag of ['x', 'loss/train', 'ünïcödé/标签', 'a'.repeat(200)])
    for (const step of [0, 1, 127, 128, 2 ** 31, 2 ** 53 - 1])
      for (const value of [0, 1.5, -3, NaN, Infinity, 1e-45, 3.4e38])
        for (const wallTime of [0, 1_700_000_000.123]) {
          const ours = scalarEventRecord(wallTime, step, Buffer.from(tag), value)!;
          expect(ours.equals(frameRecord(encodeEvent({ wallTime, step, values: [{ tag, simpleValue: value }] })))).toBe(true);
        }
  // Negative steps go the library's way (a ten-byte varint).
  expect(scalarEventRecord(0, -1, Buffer.from('x'), 1)).toBeNull();
  const writer = new SummaryWriter(dir);
  expect(() => writer.addScalar('x', 1, 0.5)).toThrow(/the step of "x" must be a whole number for TensorBoard .*got 0\.5/);
  expect(() => writer.addMetric('y', [1, 2, 3], [0, 1, 1.5])).toThrow(/got 1\.5/);
  // Past float32's range a value is stored as TensorBoard's float32 holds it: infinite.
  writer.addScalar('x', 1e39, 3).addScalar('x', -2, -5);
  writer.close();
  const events = readEventFile(writer.file).events;
  expect(events.flatMap(e => e.values.map(v => [v.tag, e.step, v.simpleValue]))).toEqual([
    ['x', 3, Infinity],
    ['x', -5, -2]
  ]);
});
