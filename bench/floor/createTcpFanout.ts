/**
 * The floor under any event fan-out: a bare TCP server that writes the same small buffer to
 * every accepted socket with plain `net.Socket#write` — no WebSocket framing, no hub. What it
 * costs per socket on this machine is what the kernel charges for a loopback write; the event
 * server cannot be cheaper than that per client.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpFanout {
  readonly port: number;
  /** Sockets accepted so far. */
  readonly accepted: number;
  /** Writes `bytes` bytes to every socket, `rounds` times `intervalMs` apart; ms per round. */
  writeAll(args: { rounds: number; bytes: number; intervalMs: number }): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts the bare server on 127.0.0.1 and an ephemeral port. */
export async function createTcpFanout(): Promise<TcpFanout> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    // As the WebSocket server does (ws sets no-delay): each write goes out at once.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return sockets.size;
    },
    async writeAll({ rounds, bytes, intervalMs }) {
      const payload = Buffer.alloc(bytes, 0x61);
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        const started = performance.now();
        for (const socket of sockets) socket.write(payload);
        times.push(performance.now() - started);
      }
      return times;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
