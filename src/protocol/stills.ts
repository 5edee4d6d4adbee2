/**
 * What an output's HTML part carries besides text, read back by the panel: one still per media
 * name, and text escaped as HTML reads it. docs/design-decisions.md, "Outputs that read anywhere".
 */

/**
 * Stills: an output's `text/html` part carries one small JPEG per media name (of its latest entry),
 * so that a reader without the extension, and the panel of a notebook reopened after its videos were
 * removed, still see what a rollout looked like. One copy in the output: the payload does not repeat
 * them; the panel reads them from the HTML part with `readStills`.
 */
export interface Still {
  /** The step of the entry it was made of. */
  step: number;
  /** `data:image/jpeg;base64,…` */
  src: string;
}

/** Text (or an attribute's value) as HTML and XML read it: what the outputs' HTML parts write. */
export const escapeHtml = (x: string): string => x.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

/** A still (JPEG, as base64) as the HTML part writes it, for the media series `key` (seriesKey). */
export function stillImg(key: string, step: number, base64: string, width: number, height: number, alt: string): string {
  return (
    `<img data-mp-still="${escapeHtml(key)}" data-mp-step="${step}" src="data:image/jpeg;base64,${base64}" ` +
    `width="${width}" height="${height}" alt="${escapeHtml(alt)}">`
  );
}

/** The stills of an output's HTML part, by media series key; empty for anything else. */
export function readStills(html: unknown): Map<string, Still> {
  const out = new Map<string, Still>();
  if (typeof html !== 'string') return out;
  const tag = /<img data-mp-still="([^"]*)" data-mp-step="(-?\d+)" src="(data:image\/jpeg;base64,[A-Za-z0-9+/=]+)"/g;
  for (const [, key, step, src] of html.matchAll(tag)) {
    out.set(
      key.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))),
      { step: Number(step), src }
    );
  }
  return out;
}
