/**
 * The one transition of an output's session status, as a table: each status × each event, and
 * what it becomes (the panel only feeds it events; the flows run end to end in sessions.test.ts
 * and the e2e tests).
 */
import type { CleanupFailure } from '../../src/protocol';
import { nextViewStatus, type ViewStatus, type ViewStatusEvent } from '../../src/lab/output/view-status';

const left: CleanupFailure[] = [{ path: '/nb/assets/x/a.mp4', reason: 'EPERM' }];
const live: ViewStatus = { kind: 'live' };
const provisional: ViewStatus = { kind: 'checking', why: 'earlier session', provisional: true };
const checking: ViewStatus = { kind: 'checking', why: 'restarted' };
const ended: ViewStatus = { kind: 'ended', why: 'shut down', left: [] };

const statuses: Array<[string, ViewStatus]> = [
  ['live', live],
  ['provisional', provisional],
  ['checking', checking],
  ['ended', ended]
];
const events: Array<[string, ViewStatusEvent]> = [
  ['shown', { event: 'shown' }],
  ['closed', { event: 'closed', left }],
  ['files gone', { event: 'files gone' }],
  ['grace over', { event: 'grace over' }],
  ['kernel ended', { event: 'kernel ended', why: 'died' }],
  ['files checked', { event: 'files checked', left }]
];

/** Expected status for [status][event]; 'same' means the event does not apply and changes nothing. */
const table: Record<string, Record<string, ViewStatus | 'same'>> = {
  live: {
    shown: live,
    closed: { kind: 'ended', why: 'closed', left },
    'files gone': provisional,
    'grace over': 'same',
    'kernel ended': { kind: 'checking', why: 'died' },
    'files checked': 'same'
  },
  provisional: {
    shown: live,
    closed: { kind: 'ended', why: 'closed', left },
    'files gone': 'same',
    'grace over': { kind: 'ended', why: 'earlier session', left: [] },
    'kernel ended': { kind: 'checking', why: 'died' },
    'files checked': 'same'
  },
  checking: {
    shown: live,
    closed: { kind: 'ended', why: 'closed', left },
    'files gone': 'same',
    'grace over': 'same',
    'kernel ended': 'same',
    'files checked': { kind: 'ended', why: 'restarted', left }
  },
  ended: {
    shown: live,
    closed: { kind: 'ended', why: 'closed', left },
    'files gone': 'same',
    'grace over': 'same',
    'kernel ended': 'same',
    'files checked': 'same'
  }
};

describe('nextViewStatus', () => {
  for (const [statusName, status] of statuses) {
    for (const [eventName, event] of events) {
      const want = table[statusName][eventName];
      it(`${statusName} + ${eventName} → ${want === 'same' ? 'unchanged' : JSON.stringify(want)}`, () => {
        const got = nextViewStatus(status, event);
        if (want === 'same') expect(got).toBe(status);
        else expect(got).toEqual(want);
      });
    }
  }

  it('a session that ended stays ended whatever the kernel says later; only a new view makes it live', () => {
    let s: ViewStatus = live;
    for (const e of [
      { event: 'kernel ended', why: 'restarted' },
      { event: 'files checked', left: [] },
      { event: 'kernel ended', why: 'shut down' },
      { event: 'files gone' },
      { event: 'grace over' }
    ] as ViewStatusEvent[])
      s = nextViewStatus(s, e);
    expect(s).toEqual({ kind: 'ended', why: 'restarted', left: [] });
    expect(nextViewStatus(s, { event: 'shown' })).toEqual(live);
  });
});
