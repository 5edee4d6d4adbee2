/**
 * What the panel knows of each media file (by its entry's path), and the one transition that
 * changes it: the panel only feeds it what it learns (output/panel.ts), on whichever async path
 * it learns it. The table is in docs/architecture.md and test/lab/media-states.test.ts.
 */

export type MediaState =
  | { kind: 'playable'; url: string }
  | { kind: 'resolving' }
  | { kind: 'removed' }
  | { kind: 'left'; path: string }
  | { kind: 'unreachable'; reason: string };

/** What the panel learns of one media file. */
export type MediaStateEvent =
  /**
   * Its file was looked up: the server has it (`playable`, its URL), the kernel sent it (`playable`,
   * a blob URL), neither has it (`removed`), or the server could not be reached (`unreachable`).
   */
  | { event: 'looked up'; state: Extract<MediaState, { kind: 'playable' | 'removed' | 'unreachable' }> }
  /** The kernel removed its file while no page showed the plotter (its entry says `gone`). */
  | { event: 'gone' }
  /** Its entry went from the payload (keepLast, a replaced step): nothing is known of it any more. */
  | { event: 'dropped' }
  /** The session ended and its file was checked: still on disk at `left` (cleanup failed), or not (null). */
  | { event: 'ended'; left: string | null };

/**
 * The one transition of a media file's state (undefined: nothing known). A file reported left by
 * an ended session stays reported: a lookup that started while the session was live and answers
 * late does not make it look playable or removed.
 */
export function nextMediaState(state: MediaState | undefined, e: MediaStateEvent): MediaState | undefined {
  switch (e.event) {
    case 'looked up':
      return state?.kind === 'left' ? state : e.state;
    case 'gone':
      return state?.kind === 'left' ? state : { kind: 'removed' };
    case 'dropped':
      return undefined;
    case 'ended':
      return e.left === null ? { kind: 'removed' } : { kind: 'left', path: e.left };
  }
}
