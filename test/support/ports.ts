/** Free TCP ports on 127.0.0.1 for the servers and kernels the tests start. */
import * as net from 'net';

/**
 * `n` distinct free ports. Each socket stays bound until all are picked: a port freed a moment ago
 * can be handed out again, and a kernel given one port twice never starts (seen once in a hundred
 * sessions: stdin and control on one port).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        })
    )
  );
  const ports = servers.map(server => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map(server => new Promise(resolve => server.close(resolve))));
  return ports;
}

/** One free port. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
