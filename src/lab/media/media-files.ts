/**
 * Where a media entry of a payload is: on the Jupyter server, as the notebook's resolver maps it,
 * or, when that server cannot see the kernel's folder (a remote kernel), in the kernel, which sends
 * its bytes over the comm.
 */
import type { MediaEntry, PlotterPayload } from '../../protocol';
import type { FolderListings, ViewSessions } from '../sessions/view-sessions';

/** Whether a media file is on the server; `urlPath` is what the resolver made of its path. */
export function mediaOnServer(
  sessions: Pick<ViewSessions, 'exists'>,
  entry: MediaEntry,
  urlPath: string,
  listings: FolderListings
): Promise<boolean> {
  const serverPath = decodeURIComponent(urlPath);
  const dir = serverPath.endsWith(entry.path)
    ? serverPath.slice(0, serverPath.length - entry.path.length).replace(/\/$/, '')
    : '';
  return dir || serverPath === entry.path
    ? sessions.exists(dir, entry.path, listings)
    : sessions.exists('', serverPath, listings);
}

/** The MIME type a media file is played or shown as. */
function mimeOf(entry: MediaEntry): string {
  return entry.kind === 'video' ? 'video/mp4' : 'image/png';
}

/**
 * A media file's bytes from the kernel, in MEDIA_CHUNK_BYTES pieces over the comm: for a server that
 * cannot see the kernel's folder (a remote kernel). 'removed' when the kernel says the file is gone
 * (or does not know the plotter any more); null when no live kernel answered.
 */
export async function mediaFromKernel(
  sessions: Pick<ViewSessions, 'ask'>,
  payload: PlotterPayload,
  entry: MediaEntry
): Promise<Blob | 'removed' | null> {
  const parts: ArrayBuffer[] = [];
  let offset = 0;
  for (;;) {
    const answer = await sessions.ask(payload, { request: 'media', plotterId: payload.plotterId, path: entry.path, offset });
    if (!answer || answer.data.reply !== 'media') return null;
    const reply = answer.data;
    if (!reply.known || reply.state !== 'present') return 'removed';
    const chunk = answer.buffers[0];
    const bytes = !chunk
      ? new Uint8Array(0)
      : ArrayBuffer.isView(chunk)
        ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : new Uint8Array(chunk);
    parts.push(bytes.slice().buffer);
    offset += bytes.byteLength;
    // A file that shrank under us (replaced at its step) or an empty chunk: what came is all there is.
    if (offset >= reply.size || bytes.byteLength === 0) break;
  }
  return new Blob(parts, { type: mimeOf(entry) });
}
