/**
 * What kernel test files share: notebook folders and kernels that are ended and removed after the
 * file's tests, the cell prelude that makes frames, and the filter for the plotter's displays.
 */
import { PLOTTER_MIME_TYPE } from '../../src/protocol';
import { KernelProcess, makeNotebookDir, removeNotebookDir, type Output, type Runtime } from './kernel-process';

/** Cell code: the plotter imported, and `solid(w, h, v)`, an RGBA frame of one grey level. */
export const FRAMES_PRELUDE = `
import { MetricsPlotter } from "metrics-plotter";
function solid(w: number, h: number, v: number) {
  return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(v) };
}
`;

/** The plotter's display_data and update_display_data messages among a cell's outputs. */
export function plotterDisplays(outputs: Output[]): Output[] {
  return outputs.filter(o => /display_data/.test(o.msg_type) && o.content.data[PLOTTER_MIME_TYPE]);
}

/** The JSON of an expression evaluated in a cell of the kernel. */
export async function evalJson<T = any>(k: KernelProcess, expr: string): Promise<T> {
  return JSON.parse((await k.run(`console.log(JSON.stringify(${expr}))`)).stdout);
}

/** Waits (up to 10 s, generous for a loaded CI machine; the bench times it) until `done()`. */
export async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 50) {
    if (waited > 10_000) throw new Error(`not within 10 s: ${what}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

export interface KernelSessions {
  /** A fresh notebook folder for a kernel of `runtime` (tslab unless said), removed after the file's tests. */
  notebookDir(name: string, runtime?: Runtime): string;
  /** A kernel in `dir` (with `env` added to its environment), ended after the file's tests. */
  startKernel(dir: string, env?: Record<string, string>, runtime?: Runtime): Promise<KernelProcess>;
  /** A fresh folder and a kernel in it that has run `prelude`. */
  session(name: string, prelude?: string): Promise<{ dir: string; k: KernelProcess }>;
}

/**
 * Notebook folders and kernels for one test file. After its tests, each kernel still running is
 * ended (`end`: SIGKILL, or a shutdown request as Jupyter sends it) and every folder is removed.
 */
export function kernelSessions(end: 'kill' | 'shutdown' = 'kill'): KernelSessions {
  const dirs: string[] = [];
  const kernels: KernelProcess[] = [];
  afterAll(async () => {
    for (const k of kernels) {
      if (end === 'shutdown') await k.shutdownLikeJupyter(false).catch(() => undefined);
      else if (k.process.exitCode === null && k.process.signalCode === null) await k.kill('SIGKILL');
    }
    for (const d of dirs) removeNotebookDir(d);
  });
  const sessions: KernelSessions = {
    notebookDir(name, runtime) {
      const d = makeNotebookDir(name, runtime);
      dirs.push(d);
      return d;
    },
    async startKernel(dir, env, runtime) {
      const k = await KernelProcess.start(dir, env, runtime);
      kernels.push(k);
      return k;
    },
    async session(name, prelude = FRAMES_PRELUDE) {
      const dir = sessions.notebookDir(name);
      const k = await sessions.startKernel(dir);
      await k.run(prelude);
      return { dir, k };
    }
  };
  return sessions;
}
