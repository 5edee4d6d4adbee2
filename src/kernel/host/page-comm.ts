/**
 * The kernel's end of one page's comm, as the plotter's parts use it, and the same comm for a page
 * whose connection cannot take binary frames.
 */
import { TEXT_BUFFERS } from '../../protocol';

/** The kernel's end of one page's comm. */
export interface PageComm {
  readonly closed: boolean;
  /** False when it could not go (the comm closed, or the process is exiting). */
  send(data: Record<string, unknown>, buffers?: ArrayBufferView[]): boolean;
}

/**
 * A page's comm that carries buffers as base64 text in the data (TEXT_BUFFERS): its connection
 * cannot take binary frames (see ExtensionHello.binary). A third more bytes, no binary frame ever.
 */
export function textFrames(comm: PageComm): PageComm {
  return {
    get closed() {
      return comm.closed;
    },
    send(data, buffers = []) {
      if (!buffers.length) return comm.send(data);
      const text = buffers.map(b => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
      return comm.send({ ...data, [TEXT_BUFFERS]: text });
    }
  };
}
