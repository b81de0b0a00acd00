/**
 * Scenarios 2 and 3a — event delivery and connection memory. The server publishes probe
 * events on its real EventBus (so they take the path pipeline events take: store, hub, `ws`);
 * the load process's clients time emit → receive on the shared monotonic clock.
 */
import type { BenchContext } from '../BenchContext';
import type { Worker } from '../ipc/forkWorker';
import type { ConnectResult, ProbeDelivery } from '../load/createClientSwarm';
import type { EmitProbesArgs, EmitProbesResult, MemorySnapshot, ServerInfo } from '../processes/serverProcess';
import { figure, type Figure } from '../report/BenchResults';
import { max, median, percentile, round } from '../stats';
import { measureTcpFloor } from './measureTcpFloor';

const count = (n: number) => n.toLocaleString('en-US');

/** Per-connection memory, fan-out to many clients, latency at fewer, and one large image event. */
export async function measureEvents(ctx: BenchContext): Promise<Figure[]> {
  const o = ctx.options.events;
  const server = await ctx.startServer('events');
  const figures: Figure[] = [];
  try {
    await ctx.load.call('useEventServer', { url: server.info.wsUrl });
    const before = await settledMemory(server);

    ctx.progress(`events: connecting ${count(o.manyClients)} clients`);
    const connected = await connect(ctx, o.manyClients);
    const after = await settledMemory(server);
    const perConnection = (after.rss - before.rss) / connected.connected;
    figures.push(
      figure({
        id: 'memory.rss_per_connection',
        group: 'memory',
        label: `Server RSS per idle WebSocket, ${count(connected.connected)} clients`,
        value: round(perConnection / 1024),
        unit: 'KB',
        target: { op: '<', value: 10 },
        conditions: `(RSS with clients − RSS before) ÷ clients, after a full GC; JS heap ${round((after.heapUsed - before.heapUsed) / connected.connected / 1024)} KB of it; connected in ${round(connected.elapsedMs / 1000)} s`,
      }),
    );

    ctx.progress(`events: fan-out to ${count(connected.connected)} clients`);
    const { deliveries: fanout, publishMs } = await probe(ctx, server, { count: o.fanoutProbes, intervalMs: o.fanoutIntervalMs });
    const allServed = fanout.map((d) => max(d.latenciesMs));
    figures.push(
      figure({
        id: 'events.fanout_all_clients_ms',
        group: 'events',
        label: `Emit → last of ${count(connected.connected)} clients received`,
        value: round(median(allServed)),
        unit: 'ms',
        target: { op: '<=', value: 100 },
        conditions: `p50 over ${fanout.length} small events (${fanout[0]?.bytes ?? 0} B); worst ${round(max(allServed))} ms; per-client p50 ${round(percentile(flat(fanout), 50))} ms, p99 ${round(percentile(flat(fanout), 99))} ms`,
      }),
      figure({
        id: 'events.server_us_per_client',
        group: 'events',
        label: 'Server fan-out cost per client',
        value: round((median(publishMs) / connected.connected) * 1000),
        unit: 'µs',
        conditions: `p50 time of one bus.publish (store queueing, one serialization, every socket write) ÷ ${count(connected.connected)} clients; ${round(median(publishMs))} ms per event`,
      }),
    );

    await trim(ctx, server, Math.min(o.clients, connected.connected));
    await ctx.load.call('connect', { target: o.clients });
    ctx.progress(`events: latency at ${count(o.clients)} clients`);
    const { deliveries: latency } = await probe(ctx, server, { count: o.latencyProbes, intervalMs: o.latencyIntervalMs });
    const samples = flat(latency);
    const latencyConditions = `${latency.length} small events × ${count(o.clients)} clients = ${count(samples.length)} deliveries, ${o.latencyIntervalMs} ms apart`;
    figures.push(
      figure({ id: 'events.latency_p50', group: 'events', label: `Event latency p50, ${count(o.clients)} clients`, value: round(percentile(samples, 50)), unit: 'ms', conditions: latencyConditions }),
      figure({ id: 'events.latency_p99', group: 'events', label: `Event latency p99, ${count(o.clients)} clients`, value: round(percentile(samples, 99)), unit: 'ms', target: { op: '<', value: 5 }, conditions: latencyConditions }),
    );

    await trim(ctx, server, o.imageClients);
    ctx.progress(`events: ${(o.imageChars / 1e6).toFixed(1)} MB image event to ${o.imageClients} clients`);
    const { deliveries: image } = await probe(ctx, server, { count: o.imageProbes, intervalMs: o.imageIntervalMs, imageChars: o.imageChars });
    const imageServed = image.map((d) => max(d.latenciesMs));
    figures.push(
      figure({
        id: 'events.image_fanout_ms',
        group: 'events',
        label: `${(image[0].bytes / 1e6).toFixed(1)} MB image event → all ${o.imageClients} clients`,
        value: round(median(imageServed)),
        unit: 'ms',
        conditions: `p50 over ${image.length} events, emit → last client has the whole message; worst ${round(max(imageServed))} ms`,
      }),
    );

    await ctx.load.call('trim', { keep: 0 });
    ctx.progress(`events: bare TCP floor, ${count(connected.connected)} sockets`);
    figures.push(await measureTcpFloor(ctx, server, { sockets: connected.connected, bytes: fanout[0]?.bytes ?? 200, rounds: o.fanoutProbes }));
    return figures;
  } finally {
    await ctx.load.call('trim', { keep: 0 }).catch(() => undefined);
    await server.stop();
  }
}

async function connect(ctx: BenchContext, target: number): Promise<ConnectResult> {
  const result = await ctx.load.call<ConnectResult>('connect', { target, parallel: 200 }, 300_000);
  if (result.connected < target) {
    throw new Error(`only ${result.connected} of ${target} clients connected (${result.failed} failed: ${result.firstError})`);
  }
  return result;
}

/**
 * Closes clients down to `keep`, then waits until the server has seen them go: a probe's
 * receivers are counted against the server's connections at emit time.
 */
async function trim(ctx: BenchContext, server: Worker<ServerInfo>, keep: number): Promise<void> {
  await ctx.load.call('trim', { keep });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { connections } = await server.call<{ connections: number }>('wsStats');
    if (connections <= keep) return;
    if (Date.now() > deadline) throw new Error(`the server still counts ${connections} connections 30 s after trimming to ${keep}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Emits probes on the server and returns what every client received; all must arrive. */
async function probe(ctx: BenchContext, server: Worker<ServerInfo>, args: EmitProbesArgs): Promise<{ deliveries: ProbeDelivery[]; publishMs: number[] }> {
  await ctx.load.call('arm', { count: args.count });
  const emitted = await server.call<EmitProbesResult>('emitProbes', args, 120_000);
  const deliveries = await ctx.load.call<ProbeDelivery[]>('collect', { timeoutMs: 30_000 }, 60_000);
  for (const d of deliveries) {
    if (d.received !== emitted.connections) {
      throw new Error(`probe ${d.seq}: ${d.received} of ${emitted.connections} clients received it`);
    }
  }
  return { deliveries, publishMs: emitted.publishMs };
}

/** Server memory after a full GC and a moment for sockets to settle. */
async function settledMemory(server: Worker<ServerInfo>): Promise<MemorySnapshot> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return server.call<MemorySnapshot>('memory', { gc: true });
}

function flat(deliveries: ProbeDelivery[]): number[] {
  return deliveries.flatMap((d) => d.latenciesMs);
}
