/**
 * What the frontend knows about the session behind one plotter output, and the words it shows.
 */
import { cleanupFailureMessage, type CleanupFailure } from '../protocol';

export type EndReason =
  /** plotter.close() in the kernel (the payload says so, with the kernel's cleanup report). */
  | 'closed'
  | 'restarted'
  | 'shut down'
  /** The kernel process died (killed, crashed) and JupyterLab restarted or lost it. */
  | 'died'
  /** The output is from an earlier session: its kernel is not running, or its videos are gone. */
  | 'earlier session';

export type ViewStatus =
  | { kind: 'live' }
  /** The session ended; the files are being checked on the server. */
  | { kind: 'checking'; why: EndReason }
  /** The session ended; `left` lists what is still on disk (empty when cleanup succeeded). */
  | { kind: 'ended'; why: EndReason; left: CleanupFailure[] };

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

/** The failure text (the same words as the kernel's cell message and the notification). */
export function failureText(status: ViewStatus): string | null {
  return status.kind === 'ended' && status.left.length ? cleanupFailureMessage(status.left) : null;
}
