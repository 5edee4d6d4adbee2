/** What a chart's CSV and PNG buttons download: its data as logged, and its canvas on the theme's background. */
import type { RunInfo } from '../../protocol';
import { downloadBlob, fileStem } from '../download';
import type { ChartContents } from './chart-series';
import { toCsv } from './csv';
import { byStep } from './x-axis';

/** The chart's series as logged (by step; a run group's mean and band are not data), as CSV. */
export function downloadChartCsv(chart: ChartContents, smoothing: number, startedAt: number | undefined, runs: RunInfo[]): void {
  const logged = chart.metrics.filter(m => !m.role || m.role === 'member').map(byStep);
  downloadBlob(new Blob([toCsv(logged, smoothing, startedAt, runs)], { type: 'text/csv' }), `${fileStem(chart.title)}.csv`);
}

/** The canvas is transparent; the PNG gets `background` (the theme's) so it reads anywhere. */
export function downloadChartPng(source: HTMLCanvasElement, background: string, title: string): void {
  const out = document.createElement('canvas');
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  out.toBlob(blob => blob && downloadBlob(blob, `${fileStem(title)}.png`), 'image/png');
}
