/**
 * A loopback TCP proxy in front of a real server, so a test can cut every connection
 * (a network drop) or stop listening altogether (a server restart) without touching the
 * server itself. Port 0 picks a free port; `start()` after `stop()` reuses the same port.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  /** Destroys every open connection (both sides); keeps listening. */
  dropConnections(): void;
  /** Stops listening and drops every connection: clients see "connection refused". */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops for good. Idempotent. */
  close(): Promise<void>;
}

/** Starts forwarding 127.0.0.1:<port> to `target`. */
export async function createTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let boundPort = port;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const start = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      const listening = net.createServer(onConnection);
      listening.once('error', reject);
      listening.listen(boundPort, '127.0.0.1', () => {
        listening.off('error', reject);
        boundPort = (listening.address() as net.AddressInfo).port;
        server = listening;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const listening = server;
      server = undefined;
      dropConnections();
      if (!listening) return resolve();
      listening.close(() => resolve());
    });

  await start();
  return {
    get port() {
      return boundPort;
    },
    get openConnections() {
      return sockets.size;
    },
    dropConnections,
    stop,
    start,
    close: stop,
  };
}
