/**
 * The kernel's share of a fan-out: the same processes, the same number of loopback sockets,
 * plain `net.Socket#write` of an event-sized buffer. Reported next to the event server's own
 * cost per client, so a missed latency target can be read as "server overhead" or "machine".
 */
import type { BenchContext } from '../BenchContext';
import type { Worker } from '../ipc/forkWorker';
import type { ServerInfo } from '../processes/serverProcess';
import { figure, type Figure } from '../report/BenchResults';
import { median, round } from '../stats';

/** Plain TCP writes to `sockets` loopback sockets from the server process; µs per socket. */
export async function measureTcpFloor(ctx: BenchContext, server: Worker<ServerInfo>, args: { sockets: number; bytes: number; rounds: number }): Promise<Figure> {
  const port = await server.call<number>('startTcpFanout');
  try {
    const connected = await ctx.load.call<number>('connectTcpSinks', { port, count: args.sockets }, 300_000);
    if (connected < args.sockets) throw new Error(`only ${connected} of ${args.sockets} TCP sinks connected`);
    // Give the server a moment to accept the last sockets.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { sockets, roundMs } = await server.call<{ sockets: number; roundMs: number[] }>('tcpFanoutWrite', { rounds: args.rounds, bytes: args.bytes, intervalMs: 100 }, 120_000);
    return figure({
      id: 'events.tcp_floor_us_per_socket',
      group: 'events',
      label: 'Floor: bare TCP write per loopback socket',
      value: round((median(roundMs) / sockets) * 1000),
      unit: 'µs',
      conditions: `p50 of ${roundMs.length} rounds writing ${args.bytes} B to each of ${sockets.toLocaleString('en-US')} sockets with net.Socket#write (no WebSocket, no hub); ${round(median(roundMs))} ms per round`,
    });
  } finally {
    await ctx.load.call('closeTcpSinks').catch(() => undefined);
    await server.call('stopTcpFanout').catch(() => undefined);
  }
}
