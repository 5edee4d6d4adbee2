/**
 * The keys of a card's step slider (a media card's, a histogram card's): ←/↓ and →/↑ step between
 * positions, Home and End go to the first and the last. The cards handle them themselves, not the
 * range input: JupyterLab's notebook takes the arrow keys first (command mode's shortcuts).
 */

/** The slider's next position for a key; null for a key it leaves alone. */
export function sliderKeyTarget(key: string, index: number, last: number): number | null {
  const to = { ArrowLeft: index - 1, ArrowDown: index - 1, ArrowRight: index + 1, ArrowUp: index + 1, Home: 0, End: last }[key];
  return to === undefined ? null : Math.max(0, Math.min(last, to));
}
