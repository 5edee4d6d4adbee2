import { PLOTTER_MIME_TYPE, PROTOCOL_VERSION, type MediaEntry, type MetricSeries, type PlotterPayload } from '../../src/protocol';
import { waitingDraws } from '../../src/lab/charts/draw-queue';
import type { PlotterPanelElement } from '../../src/lab/output/panel-element';
import '../../src/lab/output/panel-element';

export function series(name: string, n: number, f: (i: number) => number | null = i => i): MetricSeries {
  const steps = Array.from({ length: n }, (_, i) => i);
  return { name, steps, values: steps.map(f), totalPoints: n };
}

export function video(name = 'rollout', step = 0): MediaEntry {
  const file = step ? `${name}-${step}` : name;
  return {
    kind: 'video',
    name,
    step,
    path: `assets/metrics-plotter-100-abcd0123/${file}.mp4`,
    absolutePath: `/home/me/project/assets/metrics-plotter-100-abcd0123/${file}.mp4`,
    fps: 30,
    frames: 90,
    width: 64,
    height: 48,
    bytes: 12345
  };
}

export function payload(overrides: Partial<PlotterPayload> = {}): PlotterPayload {
  return {
    protocol: 'metrics-plotter',
    version: PROTOCOL_VERSION,
    plotterId: '100-abcd0123',
    viewId: 'v0',
    title: 'CartPole',
    kernel: { id: 'k-1', pid: 100, cwd: '/home/me/project' },
    state: 'live',
    metrics: [series('loss/train', 50, i => 1 / (i + 1)), series('loss/eval', 50, i => 2 / (i + 1)), series('reward', 50)],
    media: [video()],
    ...overrides
  };
}

export function mimeModel(data: unknown, mimeType = PLOTTER_MIME_TYPE) {
  return {
    data: { [mimeType]: data as Record<string, unknown> },
    metadata: {},
    trusted: false,
    setData: () => undefined
  } as never;
}

/** Waits for lit's update cycle (microtasks) and pending promises. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise(resolve => setTimeout(resolve, 0));
  // Charts redrawn for new points take turns, a frame each (src/lab/charts/draw-queue.ts).
  if (waitingDraws() === 0) return;
  while (waitingDraws() > 0) await new Promise(resolve => requestAnimationFrame(resolve));
  await new Promise(resolve => setTimeout(resolve, 0));
}

/** A panel element in the page: showing `p`, or as `setup` sets it up before it is added. */
export function mount(setup: PlotterPayload | ((view: PlotterPanelElement) => void)): PlotterPanelElement {
  const view = document.createElement('mp-plotter-panel') as PlotterPanelElement;
  if (typeof setup === 'function') setup(view);
  else view.payload = setup;
  document.body.appendChild(view);
  return view;
}
