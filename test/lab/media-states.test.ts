/**
 * The one transition of a media file's state in the panel, as a table: each state × each event,
 * and what it becomes (the panel only feeds it what it learns; the flows run end to end in
 * components.test.ts, sessions.test.ts and the e2e tests).
 */
import { nextMediaState, type MediaState, type MediaStateEvent } from '../../src/lab/media/media-states';

const playable: MediaState = { kind: 'playable', url: '/files/assets/x/a.mp4' };
const blob: MediaState = { kind: 'playable', url: 'blob:sent-by-the-kernel' };
const unreachable: MediaState = { kind: 'unreachable', reason: 'Could not reach the Jupyter server' };
const removed: MediaState = { kind: 'removed' };
const left: MediaState = { kind: 'left', path: '/nb/assets/x/a.mp4' };

const states: Array<[string, MediaState | undefined]> = [
  ['unknown', undefined],
  ['playable', playable],
  ['unreachable', unreachable],
  ['removed', removed],
  ['left', left]
];
const events: Array<[string, MediaStateEvent]> = [
  ['on the server', { event: 'looked up', state: playable }],
  ['sent by the kernel', { event: 'looked up', state: blob }],
  ['nowhere', { event: 'looked up', state: removed }],
  ['server unreachable', { event: 'looked up', state: unreachable }],
  ['gone while unwatched', { event: 'gone' }],
  ['entry dropped', { event: 'dropped' }],
  ['ended, left', { event: 'ended', left: '/nb/assets/x/a.mp4' }],
  ['ended, removed', { event: 'ended', left: null }]
];

/** What each event makes of any state but `left`: the last thing learnt stands. */
const learnt: Record<string, MediaState | undefined> = {
  'on the server': playable,
  'sent by the kernel': blob,
  nowhere: removed,
  'server unreachable': unreachable,
  'gone while unwatched': removed,
  'entry dropped': undefined,
  'ended, left': left,
  'ended, removed': removed
};

/** Expected state for [state][event]. */
const table: Record<string, Record<string, MediaState | undefined>> = {
  unknown: learnt,
  playable: learnt,
  unreachable: learnt,
  removed: learnt,
  // A path an ended session reported left stays reported: a lookup that answers late changes nothing.
  left: {
    ...learnt,
    'on the server': left,
    'sent by the kernel': left,
    nowhere: left,
    'server unreachable': left,
    'gone while unwatched': left
  }
};

describe('nextMediaState', () => {
  for (const [stateName, state] of states) {
    for (const [eventName, event] of events) {
      test(`${stateName} + ${eventName} → ${table[stateName][eventName]?.kind ?? 'unknown'}`, () => {
        expect(nextMediaState(state, event)).toEqual(table[stateName][eventName]);
      });
    }
  }
});
