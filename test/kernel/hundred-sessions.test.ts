/**
 * 100 consecutive kernel sessions with videos, ended in turn by every way a session ends,
 * leave zero orphaned assets.
 */
import { KernelProcess, listTree, makeNotebookDir, removeNotebookDir } from '../support/kernel-process';

jest.setTimeout(1_500_000);

const SESSIONS = 100;
type Ending = 'shutdown' | 'restart' | 'stuck shutdown, then SIGTERM' | 'SIGHUP' | 'close()';
const ENDINGS: Ending[] = ['shutdown', 'restart', 'stuck shutdown, then SIGTERM', 'SIGHUP', 'close()'];

test(`${SESSIONS} consecutive kernel sessions leave 0 orphaned assets`, async () => {
  const dir = makeNotebookDir('hundred');
  const orphansAfter: Array<{ session: number; ending: Ending; left: string[] }> = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const ending = ENDINGS[i % ENDINGS.length];
      const k = await KernelProcess.start(dir);
      await k.run(`
import { MetricsPlotter } from "metrics-plotter";
const p = new MetricsPlotter({ title: "session ${i}" });
p.addMetric("loss", [3, 2, 1]);
await p.addVideoFromFrames("v", [{ width: 4, height: 4, data: new Uint8Array(64).fill(${i}) }], { fps: 1 });
p.show();
${ending === 'stuck shutdown, then SIGTERM' ? 'setInterval(() => {}, 1000);' : ''}`);
      if (ending === 'shutdown' || ending === 'restart') await k.shutdownLikeJupyter(ending === 'restart');
      else if (ending === 'stuck shutdown, then SIGTERM') await k.shutdownLikeJupyter(false, 1000);
      else if (ending === 'SIGHUP') await k.kill('SIGHUP');
      else {
        await k.run('p.close()');
        await k.shutdownLikeJupyter(false);
      }
      const left = listTree(dir);
      if (left.length) orphansAfter.push({ session: i, ending, left });
    }
  } finally {
    removeNotebookDir(dir);
  }
  expect(orphansAfter).toEqual([]);
});
