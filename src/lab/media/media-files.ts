/** Where a media entry of a payload is on the Jupyter server, as the notebook's resolver maps it. */
import type { MediaEntry } from '../../protocol';
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
