/**
 * What the package promises and no more: its `exports` map lets in the entry and the internals
 * entry and nothing under lib/; the entry's type declarations name none of the plotter's insides;
 * and a video writer is an async disposable, so `await using` aborts an unfinished video and
 * removes its partial file (as mediapy's `with` does), with the real ffmpeg and file system.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/** What `require(specifier)` does from inside the package (Node resolves the package's own name through its exports). */
function requireFromPackage(specifier: string): { ok: boolean; error: string } {
  const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(specifier)})`], { cwd: ROOT, encoding: 'utf8' });
  return { ok: run.status === 0, error: run.stderr };
}

test('the exports map lets in the entry, metrics-plotter/tensorboard, metrics-plotter/worker and metrics-plotter/internals; lib/ paths are not API', () => {
  expect(requireFromPackage('metrics-plotter')).toMatchObject({ ok: true });
  expect(requireFromPackage('metrics-plotter/tensorboard')).toMatchObject({ ok: true });
  expect(requireFromPackage('metrics-plotter/worker')).toMatchObject({ ok: true });
  expect(requireFromPackage('metrics-plotter/internals')).toMatchObject({ ok: true });
  for (const deep of ['metrics-plotter/lib/kernel/plotter', 'metrics-plotter/lib/kernel/plotter-core.js']) {
    const { ok, error } = requireFromPackage(deep);
    expect(ok).toBe(false);
    expect(error).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  }
});

test.each([
  ['metrics-plotter/tensorboard', 'a training script on a cluster node imports it alone', 'tensorboard'],
  ['metrics-plotter/worker', 'a worker thread or forked child imports it alone', 'workers']
])('%s loads no Jupyter code: %s', (specifier, _, folder) => {
  const run = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(require.cache)))`],
    { cwd: ROOT, encoding: 'utf8' }
  );
  expect(run.stderr).toBe('');
  const loaded = (JSON.parse(run.stdout) as string[]).map(f => path.relative(ROOT, f));
  expect(loaded.filter(f => f.startsWith(`lib/kernel/${folder}/`)).length).toBeGreaterThan(1);
  expect(loaded.filter(f => /lib\/kernel\/(host|outputs|plotter)|node_modules\/(tslab|zeromq)/.test(f))).toEqual([]);
});

test("the entry's type declarations, followed through every import, name neither PlotterCore nor MediaLibrary", () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), spec);
      visit(fs.existsSync(`${target}.d.ts`) ? `${target}.d.ts` : path.join(target, 'index.d.ts'));
    }
  };
  visit(path.join(ROOT, 'lib/kernel/index.d.ts'));
  expect(seen.size).toBeGreaterThan(3);
  const named = [...seen].filter(f => /\b(PlotterCore|MediaLibrary)\b/.test(fs.readFileSync(f, 'utf8')));
  expect(named.map(f => path.relative(ROOT, f))).toEqual([]);
});

/**
 * A user's script as TypeScript 5.2+ compiles `await using` (down to ES2022, with its dispose
 * helpers), run by Node against the built package: jest's sandbox has no Symbol.asyncDispose.
 */
function runScript(body: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const source = `const { MetricsPlotter } = require(${JSON.stringify(path.join(ROOT, 'lib/kernel'))});
const fs = require('fs');
const frame = t => ({ width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4).fill(t) });
(async () => {
${body}
})().catch(err => { console.error(err); process.exit(1); });`;
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-script-'));
  const file = path.join(dir, 'script.js');
  fs.writeFileSync(file, js.outputText);
  try {
    return spawnSync(process.execPath, [file], { cwd, encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('a video writer as an async disposable', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-dispose-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('`await using` a writer left unfinished by an exception aborts it: no partial file, no assets folder', () => {
    const run = runScript(
      `const plotter = new MetricsPlotter({ title: 'dispose' });
  const write = async () => {
    await using w = plotter.createVideoWriter('rollout', { fps: 10, width: 32, height: 32 });
    for (let t = 0; t < 5; t++) await w.write(frame(t));
    console.log('while writing:', fs.readdirSync(plotter.assetsFolder).filter(f => f.startsWith('rollout')));
    throw new Error('the episode crashed');
  };
  await write().catch(err => console.log('caught:', err.message));
  console.log('entries:', plotter.media.length, 'folder:', JSON.stringify(fs.readdirSync('.')));`,
      root
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      "while writing: [ 'rollout.mp4.part' ]",
      'caught: the episode crashed',
      'entries: 0 folder: []'
    ]);
  });

  test('a writer finished inside its scope stays: its video is an entry of the plotter until close()', () => {
    const run = runScript(
      `const plotter = new MetricsPlotter({ title: 'dispose' });
  {
    await using w = plotter.createVideoWriter('rollout', { fps: 10, width: 32, height: 32, step: 3 });
    for (let t = 0; t < 5; t++) await w.write(frame(t));
    await w.finish();
  }
  const [v] = plotter.videos;
  console.log(JSON.stringify([plotter.videos.length, v.step, v.frames, fs.existsSync(v.absolutePath)]));
  plotter.close();
  console.log(JSON.stringify(fs.readdirSync('.')));`,
      root
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['[1,3,5,true]', '[]']);
  });
});
