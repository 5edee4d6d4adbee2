/**
 * What the frontend knows about the session behind one plotter output: its status, the one pure
 * transition that changes it (`nextViewStatus`; the panel only feeds it events), and the words it
 * shows. The table of transitions is in docs/architecture.md and test/lab/view-status.test.ts.
 */
import { cleanupFailureMessage, type CleanupFailure } from '../../protocol';
import type { EndReason } from '../sessions/view-sessions';

export type ViewStatus =
  | { kind: 'live' }
  /**
   * The session ended; the files are being checked on the server. `provisional`: a live output
   * found every file gone and waits a moment for the server to say why (the kernel just went, or
   * the output is from an earlier session).
   */
  | { kind: 'checking'; why: EndReason; provisional?: true }
  /** The session ended; `left` lists what is still on disk (empty when cleanup succeeded). */
  | { kind: 'ended'; why: EndReason; left: CleanupFailure[] };

/** What happens to the session behind an output, as the panel learns it. */
export type ViewStatusEvent =
  /** The output shows a view it did not show before (a new payload key): live until told otherwise. */
  | { event: 'shown' }
  /** The payload says the plotter was closed, with the kernel's own cleanup report. */
  | { event: 'closed'; left: CleanupFailure[] }
  /** A live output's files are all gone from the server. */
  | { event: 'files gone' }
  /** No word on why came within the grace period: the output is from an earlier session. */
  | { event: 'grace over' }
  /** The kernel process behind the view ended (the session tracker says why). */
  | { event: 'kernel ended'; why: EndReason }
  /** The files of an ended session were checked on the server: `left` is what is still there. */
  | { event: 'files checked'; left: CleanupFailure[] };

/** The one transition of a view's status; an event that does not apply leaves it as it is. */
export function nextViewStatus(status: ViewStatus, e: ViewStatusEvent): ViewStatus {
  const provisional = status.kind === 'checking' && status.provisional === true;
  switch (e.event) {
    case 'shown':
      return { kind: 'live' };
    case 'closed':
      return { kind: 'ended', why: 'closed', left: e.left };
    case 'files gone':
      return status.kind === 'live' ? { kind: 'checking', why: 'earlier session', provisional: true } : status;
    case 'grace over':
      return provisional ? { kind: 'ended', why: 'earlier session', left: [] } : status;
    case 'kernel ended':
      return status.kind === 'live' || provisional ? { kind: 'checking', why: e.why } : status;
    case 'files checked':
      return status.kind === 'checking' && !provisional ? { kind: 'ended', why: status.why, left: e.left } : status;
  }
}

const REASON_TEXT: Record<EndReason, string> = {
  closed: 'plotter.close() was called',
  restarted: 'the kernel was restarted',
  'shut down': 'the kernel was shut down',
  died: 'the kernel process died',
  'earlier session': 'this output is from an earlier session'
};

/** "its video was", "its 3 videos and 2 images were": what the session ended with. */
function itsFiles(media: ReadonlyArray<{ kind: string }>): string {
  const videos = media.filter(e => e.kind === 'video').length;
  const images = media.length - videos;
  const part = (n: number, what: string): string => (n === 1 ? what : `${n} ${what}s`);
  const parts = [videos && part(videos, 'video'), images && part(images, 'image')].filter(Boolean);
  return `its ${parts.join(' and ')} ${media.length === 1 ? 'was' : 'were'}`;
}

/** The one-line state shown in the panel header. */
export function statusLine(status: ViewStatus, media: ReadonlyArray<{ kind: string }>): string {
  switch (status.kind) {
    case 'live':
      return 'Live';
    case 'checking':
      return `Session ended (${REASON_TEXT[status.why]}); checking its files…`;
    case 'ended':
      if (status.left.length) return `Session ended (${REASON_TEXT[status.why]}), but cleanup failed.`;
      return media.length
        ? `Session ended (${REASON_TEXT[status.why]}); ${itsFiles(media)} removed.`
        : `Session ended (${REASON_TEXT[status.why]}).`;
  }
}

/**
 * What a live output says when the page cannot send to its kernel (payload `kernel.oneWay`): the
 * extension's release and zoom detail go over messages to the kernel (docs/deno.md).
 */
export function oneWayNote(kernel: string): string {
  return (
    `${kernel}'s kernel takes no messages from this page: clearing this output or closing the notebook leaves its ` +
    'files until plotter.close() or the end of the kernel, and zooming shows the points this page was sent.'
  );
}

/** The failure text (the same words as the kernel's cell message and the notification). */
export function failureText(status: ViewStatus): string | null {
  return status.kind === 'ended' && status.left.length ? cleanupFailureMessage(status.left) : null;
}
