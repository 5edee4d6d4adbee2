/**
 * Keeping what matters: `plotter.keep(name, { step, to })` and a card's Keep (the page's `keep`
 * request) move one media file out of the plotter's folder, overwriting nothing; the plotter then no
 * longer owns it, so no session end removes it. Bad input moves nothing. Real tslab, ffmpeg and
 * file system.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FRAMES_PRELUDE, evalJson, kernelSessions } from '../support/kernel-sessions';
import { listTree } from '../support/kernel-process';

jest.setTimeout(180_000);

const { session } = kernelSessions();

const LOG = `const plotter = new MetricsPlotter({ title: "keep" });
for (const step of [0, 50, 100]) await plotter.addVideoFromFrames("rollout", Array.from({ length: 8 }, (_, t) => solid(16, 16, t * 30)), { fps: 10, step });
await plotter.run("seed=1").addImage("map", solid(8, 8, 200), { step: 7 });
`;

test('keep moves the chosen entry into the notebook folder under a free name; no session end removes it; the card says where it went', async () => {
  const { dir, k } = await session('keep', FRAMES_PRELUDE + LOG);
  const bytesOf = (rel: string) => fs.readFileSync(path.join(dir, rel));
  const original = await evalJson<{ path: string; absolutePath: string }>(k, 'plotter.media.find(e => e.step === 50)');
  const originalBytes = fs.readFileSync(original.absolutePath);
  fs.writeFileSync(path.join(dir, 'rollout-step50.mp4'), 'a file of the user with the default name');

  const kept = await evalJson<string>(k, 'plotter.keep("rollout", { step: 50 })');
  expect(kept).toBe(path.join(dir, 'rollout-step50-2.mp4')); // the user's file is not overwritten
  expect(bytesOf('rollout-step50.mp4').toString()).toBe('a file of the user with the default name');
  expect(bytesOf('rollout-step50-2.mp4').equals(originalBytes)).toBe(true);
  expect(fs.existsSync(original.absolutePath)).toBe(false);
  const entry = await evalJson(k, 'plotter.media.find(e => e.step === 50)');
  expect(entry).toMatchObject({ kept: true, path: 'rollout-step50-2.mp4', absolutePath: kept });

  // The latest entry by default; `to` names the file (relative to the notebook's folder).
  expect(await evalJson(k, 'plotter.keep("rollout", { to: "best.mp4" })')).toBe(path.join(dir, 'best.mp4'));
  expect(await evalJson(k, 'plotter.runs[0].keep("map")')).toBe(path.join(dir, 'map-step7.png'));
  // Keeping it again moves nothing and says where it is.
  expect(await evalJson(k, 'plotter.keep("rollout", { step: 50 })')).toBe(kept);

  const report = await evalJson(k, 'plotter.close()');
  expect(report).toMatchObject({ ok: true });
  expect(report.removed.every((p: string) => !p.startsWith(dir + '/rollout-step') && !p.endsWith('best.mp4'))).toBe(true);
  expect(listTree(dir)).toEqual(['best.mp4', 'map-step7.png', 'rollout-step50-2.mp4', 'rollout-step50.mp4']);
});

test("bad input to keep says what to do and moves nothing: an unknown name or step, a `to` that exists or is in the plotter's folder, after close()", async () => {
  const { dir, k } = await session('keep-bad', FRAMES_PRELUDE + LOG);
  fs.writeFileSync(path.join(dir, 'taken.mp4'), 'mine');
  const before = listTree(dir);
  const error = async (code: string) =>
    (await k.run(`try { ${code}; console.log("no error") } catch (e) { console.log(e.name + ": " + e.message) }`)).stdout.trim();

  expect(await error('plotter.keep("rolout")')).toBe(
    'InputError: metrics-plotter: there is no media named "rolout" to keep; its media names are "rollout".'
  );
  expect(await error('plotter.keep("rollout", { step: 60 })')).toBe(
    'InputError: metrics-plotter: "rollout" has no entry at step 60; its steps are 0, 50, 100. Nothing was moved.'
  );
  expect(await error('plotter.keep("rollout", { to: "taken.mp4" })')).toBe(
    `InputError: metrics-plotter: cannot keep "rollout" as ${path.join(dir, 'taken.mp4')}: that file exists, and keep never overwrites. Choose another name. Nothing was moved.`
  );
  expect(await error('plotter.keep("rollout", { to: "no/such/folder/x.mp4" })')).toContain('does not exist. Nothing was moved.');
  expect(await error('plotter.keep("rollout", { to: plotter.assetsFolder + "/x.mp4" })')).toContain(
    "that is the plotter's own folder, removed with the session"
  );
  expect(await error('plotter.keep("rollout", { to: 3 as any })')).toContain('to must be a file path');
  expect(listTree(dir)).toEqual(before);
  await k.run('plotter.close()');
  expect(await error('plotter.keep("rollout")')).toContain('cannot keep a media entry: the plotter "keep" was closed');
});

test("a card's Keep: the page's keep request moves the entry as keep() does and answers where it went", async () => {
  const { dir, k } = await session('keep-page', FRAMES_PRELUDE + LOG);
  const { id, entry } = await evalJson(k, '({ id: plotter.id, entry: plotter.media.find(e => e.step === 100) })');
  await k.openExtensionComm({ settled: true });
  const answer = await k.extensionRequest({ request: 'keep', plotterId: id, path: entry.path });
  expect(answer.data).toEqual({ reply: 'keep', plotterId: id, path: entry.path, keptAs: 'rollout-step100.mp4' });
  expect(fs.existsSync(path.join(dir, 'rollout-step100.mp4'))).toBe(true);
  const again = await k.extensionRequest({ request: 'keep', plotterId: id, path: entry.path });
  expect(again.data.error).toBe('that entry is no longer in the plotter');
  await k.run('plotter.close()');
  expect(listTree(dir)).toEqual(['rollout-step100.mp4']);
});
