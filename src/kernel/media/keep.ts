/**
 * Keeping a media entry for good (`plotter.keep`, a card's Keep): every check before anything
 * moves, then its file moves out of the plotter's folder into the notebook's, never overwriting.
 * From then on the file is the user's (docs/cleanup.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { runOf, seriesKey, type MediaEntry } from '../../protocol';
import { InputError } from '../input';
import { freePath, mediaFileStem, type MediaLibrary } from './library';

/**
 * Moves the file of `run`'s entry of `name` at `step` (default: its latest) to `to` (relative to the
 * notebook's folder `root`) or to `<name>-step<step><ext>` there, the first such name that is free.
 * Returns the kept entry; an entry already kept is returned as it is.
 */
export function keepEntry(
  media: MediaLibrary,
  where: { root: string; assetsFolder: string },
  run: string,
  name: string,
  step: number | undefined,
  to: string | undefined
): MediaEntry {
  const key = seriesKey({ name, run });
  const entries = media.entries().filter(e => seriesKey(e) === key);
  const of = run ? ` of the run "${run}"` : '';
  if (!entries.length) {
    const names = [
      ...new Set(
        media
          .entries()
          .filter(e => runOf(e) === run)
          .map(e => JSON.stringify(e.name))
      )
    ];
    throw new InputError(
      `there is no media named ${JSON.stringify(name)}${of} to keep; ` +
        (names.length
          ? `its media names are ${names.join(', ')}.`
          : 'nothing was logged with addVideoFromFrames or addImage yet.')
    );
  }
  const entry = step === undefined ? entries[entries.length - 1] : entries.find(e => e.step === step);
  if (!entry) {
    throw new InputError(
      `"${name}"${of} has no entry at step ${step}; its steps are ${entries.map(e => e.step).join(', ')}. Nothing was moved.`
    );
  }
  if (entry.kept) return entry;
  const { root, assetsFolder } = where;
  const destination =
    to === undefined
      ? freePath(root, `${mediaFileStem(name)}-step${entry.step}`, path.extname(entry.absolutePath))
      : path.resolve(root, to);
  const exists = (): InputError =>
    new InputError(
      `cannot keep "${name}" as ${destination}: that file exists, and keep never overwrites. Choose another name. Nothing was moved.`
    );
  if (to !== undefined) {
    if (destination.startsWith(assetsFolder + path.sep) || destination === assetsFolder) {
      throw new InputError(
        `cannot keep "${name}" in ${assetsFolder}: that is the plotter's own folder, removed with the session. Choose a path outside it. Nothing was moved.`
      );
    }
    if (!fs.existsSync(path.dirname(destination))) {
      throw new InputError(
        `cannot keep "${name}" as ${destination}: the folder ${path.dirname(destination)} does not exist. Nothing was moved.`
      );
    }
    if (fs.existsSync(destination)) throw exists();
  }
  try {
    return media.keep(key, entry.step, destination)!;
  } catch (err) {
    // Made between the check and the move: still never overwritten.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw err;
  }
}
