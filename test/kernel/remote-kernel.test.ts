/**
 * What a page in front of a remote kernel needs of the kernel, against a real tslab kernel: a page
 * whose connection cannot carry binary frames (behind a gateway) gets every buffer as base64 text,
 * and never a binary frame; a page whose server cannot see the kernel's folder gets a media file's
 * bytes over the comm, in chunks, and only the plotter's own media files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CHUNK_STRIDE, MEDIA_CHUNK_BYTES, TEXT_BUFFERS, type SeriesChunk } from '../../src/protocol';
import { KernelProcess, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(120_000);

let dir: string;
let k: KernelProcess;
let plotterId: string;

beforeAll(async () => {
  dir = makeNotebookDir('remote-kernel');
  k = await KernelProcess.start(dir);
  const shown = await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const plotter = new MetricsPlotter({ title: "remote" });
for (let i = 0; i < 1000; i++) plotter.addScalar("loss", 1 / (i + 1), i);
// A noisy 1024×1024 image: a PNG of several MB, more than one chunk.
const noise = new Uint8Array(1024 * 1024 * 4).map(() => Math.random() * 256);
await plotter.addImage("noise", { width: 1024, height: 1024, data: noise }, { step: 999 });
await plotter.addImage("small", { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(90) }, { step: 999 });
plotter.show();
console.log(plotter.id);`);
  plotterId = shown.stdout.trim();
  // The page's comm, once metrics-plotter (which serves its target) is loaded.
  await k.openExtensionComm({ binary: false, settled: true });
});

afterAll(async () => {
  await k.shutdownLikeJupyter(false);
  removeNotebookDir(dir);
});

const fromBase64 = (text: string): Buffer => Buffer.from(text, 'base64');

test('a page that cannot take binary frames gets every buffer as base64 text in the data, never a binary frame', async () => {
  const { data, buffers } = await k.extensionRequest({ request: 'subscribe', plotterId, viewId: 'v0', points: 100 });
  expect(buffers).toEqual([]);
  const text = data[TEXT_BUFFERS] as string[];
  expect(text).toHaveLength(1);
  const chunk = data.series[0] as SeriesChunk;
  const numbers = new Float64Array(new Uint8Array(fromBase64(text[0])).buffer);
  expect(numbers.length).toBe(chunk.count * CHUNK_STRIDE);
  expect(numbers[(chunk.count - 1) * CHUNK_STRIDE]).toBe(999); // the latest step
  // Live points too.
  const from = k.allIopub.length;
  await k.run(
    'for (let i = 1000; i < 1010; i++) { plotter.addScalar("loss", 0.5, i); await new Promise(r => setTimeout(r, 30)); }'
  );
  const event = await k.waitForIopub(
    o => k.allIopub.indexOf(o) >= from && o.msg_type === 'comm_msg' && o.content.data?.event === 'points'
  );
  expect(event.buffers ?? []).toEqual([]);
  expect(event.content.data[TEXT_BUFFERS]).toHaveLength(event.content.data.series.length);
});

test("a media file's bytes come from the kernel in chunks, exactly the file", async () => {
  const file = fs
    .readdirSync(path.join(dir, 'assets'), { recursive: true })
    .map(String)
    .find(f => f.endsWith('noise.png'))!;
  const onDisk = fs.readFileSync(path.join(dir, 'assets', file));
  expect(onDisk.length).toBeGreaterThan(MEDIA_CHUNK_BYTES);
  const mediaPath = `assets/${file.split(path.sep).join('/')}`;
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const { data } = await k.extensionRequest({ request: 'media', plotterId, path: mediaPath, offset });
    expect(data).toMatchObject({ reply: 'media', known: true, state: 'present', size: onDisk.length, offset });
    const bytes = fromBase64(data[TEXT_BUFFERS][0]);
    expect(bytes.length).toBeLessThanOrEqual(MEDIA_CHUNK_BYTES);
    parts.push(bytes);
    offset += bytes.length;
    if (offset >= data.size) break;
  }
  expect(parts.length).toBeGreaterThan(1);
  expect(Buffer.concat(parts).equals(onDisk)).toBe(true);
});

test('the kernel reads no file but its media: another path is "not media"; a media file gone from its disk is "removed"', async () => {
  for (const other of ['package.json', '../package.json', 'assets/.metrics-plotter-made-this-folder']) {
    const { data } = await k.extensionRequest({ request: 'media', plotterId, path: other, offset: 0 });
    expect(data).toMatchObject({ known: true, state: 'not media', size: 0 });
    expect(data[TEXT_BUFFERS]).toBeUndefined(); // not a byte of it
  }
  const small = fs
    .readdirSync(path.join(dir, 'assets'), { recursive: true })
    .map(String)
    .find(f => f.endsWith('small.png'))!;
  fs.rmSync(path.join(dir, 'assets', small)); // someone deleted it by hand
  const { data } = await k.extensionRequest({
    request: 'media',
    plotterId,
    path: `assets/${small.split(path.sep).join('/')}`,
    offset: 0
  });
  expect(data).toMatchObject({ known: true, state: 'removed' });
  const unknown = await k.extensionRequest({ request: 'media', plotterId: 'no-such-plotter', path: 'x', offset: 0 });
  expect(unknown.data).toMatchObject({ reply: 'media', known: false });
});
