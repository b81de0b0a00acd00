/**
 * Scenarios 2 and 3a — event delivery and connection memory. The server publishes probe
 * events on its real EventBus (so they take the path pipeline events take: store, hub, `ws`);
 * the load process's clients time emit → receive on the shared monotonic clock.
 */
import type { BenchContext } from '../BenchContext';
import type { Worker } from '../ipc/forkWorker';
import type { ConnectResult, ProbeDelivery } from '../load/createClientSwarm';
import type { BroadcastWriterName, EmitProbesArgs, EmitProbesResult, MemorySnapshot, ServerInfo } from '../processes/serverProcess';
import { figure, type Figure } from '../report/BenchResults';
import { max, median, percentile, round } from '../stats';
import { measureTcpFloor } from './measureTcpFloor';

const count = (n: number) => n.toLocaleString('en-US');

/** Rounds of alternating after/before probes: drift on a shared machine hits both alike. */
const AB_ROUNDS = 2;
const AB_NOTE = `, alternating with the other broadcast writer in ${AB_ROUNDS} rounds`;

/**
 * The shipped broadcast writer, with the targets, and the one it replaced: every client framed
 * by `WebSocket#send` (the fix of docs/benchmarks.md "each broadcast's frame is built once").
 */
const VARIANTS: ReadonlyArray<{ writer: BroadcastWriterName; idSuffix: string; labelSuffix: string; hasTargets: boolean }> = [
  { writer: 'shared', idSuffix: '', labelSuffix: '', hasTargets: true },
  { writer: 'per-client', idSuffix: '_before', labelSuffix: ' — before: each client framed by ws', hasTargets: false },
];

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

    ctx.progress(`events: fan-out to ${count(connected.connected)} clients, before and after`);
    const fanoutRuns = await probeBeforeAfter(ctx, server, { count: o.fanoutProbes, intervalMs: o.fanoutIntervalMs });
    for (const variant of VARIANTS) {
      const { deliveries: fanout, publishMs } = fanoutRuns[variant.writer];
      const allServed = fanout.map((d) => max(d.latenciesMs));
      figures.push(
        figure({
          id: `events.fanout_all_clients_ms${variant.idSuffix}`,
          group: 'events',
          label: `Emit → last of ${count(connected.connected)} clients received${variant.labelSuffix}`,
          value: round(median(allServed)),
          unit: 'ms',
          target: variant.hasTargets ? { op: '<=', value: 100 } : undefined,
          conditions: `p50 over ${fanout.length} small events (${fanout[0]?.bytes ?? 0} B)${AB_NOTE}; worst ${round(max(allServed))} ms; per-client p50 ${round(percentile(flat(fanout), 50))} ms, p99 ${round(percentile(flat(fanout), 99))} ms`,
        }),
        figure({
          id: `events.server_us_per_client${variant.idSuffix}`,
          group: 'events',
          label: `Server fan-out cost per client${variant.labelSuffix}`,
          value: round((median(publishMs) / connected.connected) * 1000),
          unit: 'µs',
          conditions: `p50 time of one bus.publish (store queueing, one serialization, every socket write) ÷ ${count(connected.connected)} clients; ${round(median(publishMs))} ms per event`,
        }),
      );
    }
    const fanoutBytes = fanoutRuns.shared.deliveries[0]?.bytes ?? 200;

    await trim(ctx, server, Math.min(o.clients, connected.connected));
    await ctx.load.call('connect', { target: o.clients });
    ctx.progress(`events: latency at ${count(o.clients)} clients`);
    const latencyRuns = await probeBeforeAfter(ctx, server, { count: o.latencyProbes, intervalMs: o.latencyIntervalMs });
    for (const variant of VARIANTS) {
      const { deliveries: latency } = latencyRuns[variant.writer];
      const samples = flat(latency);
      const latencyConditions = `${latency.length} small events × ${count(o.clients)} clients = ${count(samples.length)} deliveries, ${o.latencyIntervalMs} ms apart${AB_NOTE}`;
      figures.push(
        figure({ id: `events.latency_p50${variant.idSuffix}`, group: 'events', label: `Event latency p50, ${count(o.clients)} clients${variant.labelSuffix}`, value: round(percentile(samples, 50)), unit: 'ms', conditions: latencyConditions }),
        figure({
          id: `events.latency_p99${variant.idSuffix}`,
          group: 'events',
          label: `Event latency p99, ${count(o.clients)} clients${variant.labelSuffix}`,
          value: round(percentile(samples, 99)),
          unit: 'ms',
          target: variant.hasTargets ? { op: '<', value: 5 } : undefined,
          conditions: latencyConditions,
        }),
      );
    }

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
    figures.push(await measureTcpFloor(ctx, server, { sockets: connected.connected, bytes: fanoutBytes, rounds: o.fanoutProbes }));
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

/**
 * Runs `args.count` probes with each broadcast writer, in alternating rounds, after one
 * unrecorded warm-up probe each (so neither pays for the other's JIT warm-up).
 */
async function probeBeforeAfter(
  ctx: BenchContext,
  server: Worker<ServerInfo>,
  args: EmitProbesArgs,
): Promise<Record<BroadcastWriterName, { deliveries: ProbeDelivery[]; publishMs: number[] }>> {
  const runs: Record<BroadcastWriterName, { deliveries: ProbeDelivery[]; publishMs: number[] }> = {
    shared: { deliveries: [], publishMs: [] },
    'per-client': { deliveries: [], publishMs: [] },
  };
  const perRound = Math.max(1, Math.ceil(args.count / AB_ROUNDS));
  try {
    for (const { writer } of VARIANTS) {
      await server.call('useBroadcastWriter', { name: writer });
      await probe(ctx, server, { ...args, count: 1 });
    }
    for (let round = 0; round < AB_ROUNDS; round++) {
      for (const { writer } of VARIANTS) {
        await server.call('useBroadcastWriter', { name: writer });
        const { deliveries, publishMs } = await probe(ctx, server, { ...args, count: perRound });
        runs[writer].deliveries.push(...deliveries);
        runs[writer].publishMs.push(...publishMs);
      }
    }
  } finally {
    await server.call('useBroadcastWriter', { name: 'shared' });
  }
  return runs;
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
