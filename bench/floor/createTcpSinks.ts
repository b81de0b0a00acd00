/**
 * The client side of the fan-out floor: plain TCP sockets that read and discard whatever the
 * bare server writes (see createTcpFanout).
 */
import net from 'node:net';

export interface TcpSinks {
  /** Opens sockets to `port` until `count` are connected. */
  connect(port: number, count: number): Promise<number>;
  close(): Promise<void>;
}

/** Sinks that connect with plain `net` sockets and discard what they receive. */
export function createTcpSinks(): TcpSinks {
  const sockets: net.Socket[] = [];
  return {
    async connect(port, count) {
      let toOpen = count - sockets.length;
      const worker = async () => {
        while (toOpen > 0) {
          toOpen -= 1;
          sockets.push(
            await new Promise<net.Socket>((resolve, reject) => {
              const socket = net.connect(port, '127.0.0.1');
              socket.once('connect', () => {
                socket.off('error', reject);
                socket.on('error', () => undefined);
                socket.resume();
                resolve(socket);
              });
              socket.once('error', reject);
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(200, Math.max(0, toOpen)) }, worker));
      return sockets.length;
    },
    async close() {
      await Promise.all(
        sockets.splice(0).map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.destroy();
            }),
        ),
      );
    },
  };
}
