/** Which of `parts` reading workers reads a run: by its name's hash, so that a run (all its files) is always read by one. */
export function partOf(run: string, parts: number): number {
  let hash = 0x811c9dc5; // FNV-1a over the UTF-16 code units
  for (let i = 0; i < run.length; i++) hash = Math.imul(hash ^ run.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % parts;
}
