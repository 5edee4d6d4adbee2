/**
 * Every request of the extension's pages, in one place: the comm target a page opens (one comm per
 * kernel connection), each message read at the boundary by the protocol's reader, then routed to
 * the plotter it names. The messages are described in docs/protocol.md.
 */
import {
  KERNEL_COMM_TARGET,
  TEXT_BUFFERS,
  readExtensionHello,
  readKernelRequest,
  type KernelReply,
  type KernelRequest
} from '../../protocol';
import type { Answer, KernelRegistry, PageComm, PlotterRequest } from './registry';
import { tslabComms } from './tslab-comms';

/** Serves the extension's comm target (a no-op outside tslab). */
export function serveExtension(registry: KernelRegistry): void {
  tslabComms()?.registerTarget(KERNEL_COMM_TARGET, (comm, data) => {
    const hello = readExtensionHello(data);
    const page = hello.binary ? comm : textFrames(comm);
    registry.pageAttached(page, hello.widgets);
    comm.onClose(() => registry.pageDetached(page));
    comm.onMsg(data => {
      const request = readKernelRequest(data);
      // Not a request this version knows (a newer extension's, or malformed): no answer, and the
      // extension falls back on what it can see itself.
      if (!request) return;
      const answer = answerRequest(registry, request, page);
      page.send(answer.data as unknown as Record<string, unknown>, answer.buffers);
    });
  });
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

/** The answer to one request of a page. */
export function answerRequest(registry: KernelRegistry, request: KernelRequest, comm: PageComm): Answer {
  switch (request.request) {
    case 'release':
      return { data: { reply: 'release', ...registry.release(comm, request) }, buffers: [] };
    case 'hold':
      return { data: { reply: 'hold', plotterId: request.plotterId, ...registry.hold(comm, request) }, buffers: [] };
    case 'leave':
      registry.leave(comm, request);
      return { data: { reply: 'leave', plotterId: request.plotterId }, buffers: [] };
  }
  const plotter = registry.plotter(request.plotterId);
  if (plotter) return plotter.answer(request, comm);
  // A plotter this process does not know (closed, or an output of an earlier process).
  return { data: unknownPlotter(request), buffers: [] };
}

/** The answer about a plotter this kernel process does not know. */
function unknownPlotter(request: PlotterRequest): KernelReply {
  const { plotterId } = request;
  switch (request.request) {
    case 'subscribe':
      return { reply: 'subscribe', plotterId, known: false, startedAt: null, series: [] };
    case 'unsubscribe':
      return { reply: 'unsubscribe', plotterId };
    case 'range':
      return { reply: 'range', plotterId, known: false, axis: request.axis, min: request.min, max: request.max, series: [] };
    case 'media':
      return { reply: 'media', plotterId, known: false, path: request.path, state: 'removed', size: 0, offset: request.offset };
    case 'keep':
      return { reply: 'keep', plotterId, path: request.path, error: 'the plotter is closed: its files were removed' };
  }
}
