/**
 * Preloaded into tslab kernels started by the kernelspecs `metrics-plotter install` writes
 * (`node --require …/router-handover.js tslab kernel …`): tslab's ROUTER sockets hand a client's
 * identity over to its newest connection (ZMQ_ROUTER_HANDOVER), as ipykernel's do.
 *
 * Why: a client that reconnects with the same session (JupyterLab behind a kernel gateway does at
 * every page load: jupyter_server refuses the websocket subprotocol, the page retries without it,
 * and the gateway opens a second kernel connection with the same ZMQ identity) otherwise has every
 * reply routed to the dead first connection. The kernel's status then stays "unknown" and no cell
 * ever runs (jupyterlab/jupyterlab#14977, jupyter-server/jupyter_server#1310). See docs/remote-kernels.md.
 */
import Module from 'module';

const PATCHED = Symbol.for('metrics-plotter.router-handover.v1');

interface RouterPrototype {
  bind(address: string): Promise<void>;
  handover: boolean;
  [PATCHED]?: true;
}

/** Makes every zeromq ROUTER socket hand identities over before it binds. */
export function handOverRouterIdentities(zeromq: { Router?: { prototype: RouterPrototype } }): void {
  const proto = zeromq.Router?.prototype;
  if (!proto || proto[PATCHED] || typeof proto.bind !== 'function') return;
  const bind = proto.bind;
  // zeromq defines bind read-only on the socket base class: defined here, not assigned.
  Object.defineProperty(proto, 'bind', {
    configurable: true,
    writable: true,
    value: function (this: RouterPrototype, address: string) {
      this.handover = true;
      return bind.call(this, address);
    }
  });
  proto[PATCHED] = true;
}

// tslab requires zeromq lazily, from its own folder: catch it as it loads.
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
  const exported = load.call(this, request, ...rest);
  if (request === 'zeromq' && exported && typeof exported === 'object') handOverRouterIdentities(exported);
  return exported;
};
