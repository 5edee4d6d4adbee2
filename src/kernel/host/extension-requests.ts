/**
 * The extension's pages' requests: the comm target a page opens (one comm per kernel connection),
 * each message read at the boundary by the protocol's reader, then routed. The three requests about
 * which page holds a view (release, hold, leave) are the registry's to answer; the five others
 * (subscribe, unsubscribe, range, media, keep) go to the plotter they name, which answers them in
 * src/kernel/outputs/page-requests.ts. The messages are described in docs/protocol.md.
 */
import { KERNEL_COMM_TARGET, readExtensionHello, readKernelRequest, type KernelReply, type KernelRequest } from '../../protocol';
import type { Answer, PlotterRequest, RequestRouter } from './contracts';
import { textFrames, type PageComm } from './page-comm';
import { tslabComms } from './tslab-comms';

/** Serves the extension's comm target (a no-op outside tslab). */
export function serveExtension(registry: RequestRouter): void {
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

/** The answer to one request of a page. */
export function answerRequest(registry: RequestRouter, request: KernelRequest, comm: PageComm): Answer {
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
    case 'histograms':
      return { reply: 'histograms', plotterId, known: false, histograms: [] };
  }
}
