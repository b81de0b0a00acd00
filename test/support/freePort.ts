/**
 * A loopback port nothing listens on (bound, then released): for a client that must find no
 * server, or a server that must start on a port other than one already in use.
 */
import net from 'node:net';

/** A free loopback port (bound to 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
