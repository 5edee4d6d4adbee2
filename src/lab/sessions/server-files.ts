/** Whether a file exists on the Jupyter server, asked without a 404. */
import type { Contents } from '@jupyterlab/services';
import type { FolderListings } from './view-sessions';

/**
 * Whether `relPath` (POSIX, below the server folder `dir`) exists on the Jupyter server. It walks
 * down folder listings instead of asking for the file, so a file that is gone costs no 404, which
 * the browser would log as a console error. Pass the same `listings` to checks of one moment
 * (a plotter's videos share their folders) so that each folder is listed once.
 */
export async function existsOnServer(
  contents: Pick<Contents.IManager, 'get'>,
  dir: string,
  relPath: string,
  listings: FolderListings = new Map()
): Promise<boolean> {
  let current = dir;
  for (const name of relPath.split('/')) {
    let pending = listings.get(current);
    if (!pending) {
      pending = contents.get(current, { content: true }).catch(e => {
        if ((e as { response?: { status?: number } }).response?.status === 404) return null;
        throw e;
      });
      listings.set(current, pending);
    }
    const listing = await pending;
    if (!listing) return false;
    if (listing.type !== 'directory' || !Array.isArray(listing.content)) return false;
    const entry = (listing.content as Contents.IModel[]).find(item => item.name === name);
    if (!entry) return false;
    current = entry.path;
  }
  return true;
}
