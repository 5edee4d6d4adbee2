/**
 * The stills of an output's HTML part: one small JPEG per media name, of its latest entry (made by
 * src/kernel/media/still.ts), so that a reader without the extension, or after the session ended,
 * sees what each rollout looked like. Written as the protocol says (`stillImg`): the panel of a
 * reopened notebook reads them back from this part. Within a byte budget.
 */
import { escapeHtml, runLabel, seriesKey, stillImg, type MediaEntry } from '../../protocol';
import { formatCount } from '../../protocol/format';
import { STILL_WIDTH } from '../media/still';

function stillHtml(entry: MediaEntry, jpeg: Buffer): string {
  const width = Math.min(STILL_WIDTH, entry.width);
  const height = Math.max(1, Math.round((entry.height * width) / entry.width));
  const label = `${entry.name}${entry.run ? ` (${runLabel(entry.run)})` : ''} · step ${formatCount(entry.step)}`;
  const what = entry.kind === 'video' ? 'a frame of the video' : 'the image';
  return (
    `<div style="display:inline-block;vertical-align:top;margin:0 12px 8px 0">` +
    stillImg(seriesKey(entry), entry.step, jpeg.toString('base64'), width, height, `Still of ${label}: ${what}`) +
    `<div style="font-size:90%">${escapeHtml(label)}</div></div>`
  );
}

/**
 * The stills as HTML, at most `budgetBytes` long: in the order the media names came, as many as fit;
 * the rest are counted. Empty when there are none.
 */
export function staticStills(stills: ReadonlyArray<{ entry: MediaEntry; jpeg: Buffer }>, budgetBytes: number): string {
  if (!stills.length) return '';
  const head = '<div><div>Stills (a frame of each latest video, each latest image):</div>';
  let html = head;
  let shown = 0;
  for (const { entry, jpeg } of stills) {
    const one = stillHtml(entry, jpeg);
    if (Buffer.byteLength(html) + Buffer.byteLength(one) + 80 > budgetBytes) break;
    html += one;
    shown++;
  }
  const more = stills.length - shown;
  return `${html}${more ? `<div>… and ${more} more media name${more === 1 ? '' : 's'} without a still here (the output's size budget).</div>` : ''}</div>`;
}
