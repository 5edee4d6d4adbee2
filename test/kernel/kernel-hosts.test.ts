/**
 * The plotter's outputs on both kernels it runs in (src/kernel/host/): shown once and updated in
 * place under one display id, naming the kernel that runs them, and saying when a page cannot send
 * to that kernel (Deno's: docs/deno.md).
 */
import { FRAMES_PRELUDE, kernelSessions, plotterDisplays } from '../support/kernel-sessions';
import type { Runtime } from '../support/kernel-process';
import { PLOTTER_MIME_TYPE, type PlotterPayload } from '../../src/protocol';

jest.setTimeout(180_000);

const { notebookDir, startKernel } = kernelSessions();

const KERNELS: Array<[Runtime, string | undefined]> = [
  ['tslab', undefined],
  ['deno', 'Deno']
];

describe.each(KERNELS)('%s', (runtime, oneWay) => {
  test(`show() displays one output that later points update in place; it names the kernel${oneWay ? ' and says the page cannot send to it' : ''}`, async () => {
    const dir = notebookDir('hosts', runtime);
    const k = await startKernel(dir, {}, runtime);
    const shown = await k.run(`${FRAMES_PRELUDE}
const plotter = new MetricsPlotter({ title: "hosts", liveUpdateMs: 0 });
plotter.addScalar("loss", 1, 0);
plotter.show();`);
    expect(shown.status).toBe('ok');
    const [first] = plotterDisplays(shown.outputs);
    expect(first.msg_type).toBe('display_data');
    const displayId = first.content.transient.display_id;
    const payload = first.content.data[PLOTTER_MIME_TYPE] as PlotterPayload;
    expect(payload.kernel.id).toBe(k.kernelId);
    expect(payload.kernel.cwd).toBe(dir);
    expect(payload.kernel.oneWay).toBe(oneWay);

    const updated = await k.run('plotter.addScalar("loss", 0.5, 1); await new Promise(r => setTimeout(r, 100));');
    const updates = plotterDisplays(updated.outputs);
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) {
      expect(u.msg_type).toBe('update_display_data');
      expect(u.content.transient.display_id).toBe(displayId);
    }
    const last = updates[updates.length - 1].content.data[PLOTTER_MIME_TYPE] as PlotterPayload;
    expect(last.metrics[0].steps).toEqual([0, 1]);
    await k.run('plotter.close();');
  });
});
