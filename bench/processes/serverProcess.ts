/**
 * The service under test, alone in its process: `createService` with the configuration from
 * the environment (as `npm start` would build it), plus IPC handlers the orchestrator uses to
 * read this process's memory and to publish timestamped probe events on the real EventBus.
 * Run with `--expose-gc` so memory deltas can be taken after a full collection.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { loadConfig } from '../../src/config/loadConfig';
import { createService, type Service } from '../../src/createService';
import { createLogger } from '../../src/logging/createLogger';
import { createRequestId } from '../../src/pipeline/createRequestId';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createBroadcastWriter, type BroadcastWriter } from '../../src/ws/createBroadcastWriter';
import { createPerClientWriter } from '../baseline/createPerClientWriter';
import { createTcpFanout, type TcpFanout } from '../floor/createTcpFanout';
import { formatProbeMessage } from '../load/probeMessage';
import { reportStartFailure, serveRpc } from '../ipc/serveRpc';

/** What the server announces when ready. */
export interface ServerInfo {
  httpUrl: string;
  wsUrl: string;
  engine: string;
  pid: number;
}

export interface MemorySnapshot {
  rss: number;
  /** RSS of this process's child processes (the embedded database), bytes; undefined off Linux. */
  childrenRss?: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** How the event server writes broadcasts: as shipped (`shared`: one frame for all) or the "before" (`per-client`). */
export type BroadcastWriterName = 'shared' | 'per-client';

export interface EmitProbesArgs {
  count: number;
  intervalMs: number;
  /** Size of `imageData` (base64 chars); 0 sends a small `analysis_started` event. */
  imageChars?: number;
}

export interface EmitProbesResult {
  sent: number;
  /** Serialized size of one probe event, bytes. */
  eventBytes: number;
  connections: number;
  /** How long each `bus.publish` took: the synchronous fan-out (store queueing, serializing, every socket write). */
  publishMs: number[];
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection in bench server'));
  // The memory figures' "before" sets EMBEDDED_DB=in-process: the database inside this process, as it used to run.
  // Switchable while running, so the event figures' before and after share one server and one swarm of clients.
  const writers: Record<BroadcastWriterName, BroadcastWriter> = { shared: createBroadcastWriter(), 'per-client': createPerClientWriter() };
  let writer = writers.shared;
  const service: Service = await createService(config, logger, { broadcastWriter: { send: (socket, data) => writer.send(socket, data) } });

  let sampler: RssSampler | undefined;
  let fanout: TcpFanout | undefined;

  const handlers = {
    memory: async (args: { gc?: boolean }): Promise<MemorySnapshot> => {
      if (args?.gc) await collectGarbage();
      return fullSnapshot();
    },
    /** Samples memory every `intervalMs` until `stopRssSampler`; the peak is what requests cost. */
    startRssSampler: (args: { intervalMs: number }) => {
      if (sampler) clearInterval(sampler.timer);
      const state: RssSampler = { peak: snapshot(), samples: 1, timer: undefined as unknown as NodeJS.Timeout };
      state.timer = setInterval(() => {
        const now = snapshot();
        if (now.rss > state.peak.rss) state.peak = now;
        state.samples += 1;
      }, args.intervalMs);
      sampler = state;
      return null;
    },
    /** The sample with the highest RSS since `startRssSampler`. */
    stopRssSampler: (): { peak: MemorySnapshot; samples: number } => {
      if (!sampler) throw new Error('no RSS sampler running');
      clearInterval(sampler.timer);
      const now = snapshot();
      const result = { peak: now.rss > sampler.peak.rss ? now : sampler.peak, samples: sampler.samples };
      sampler = undefined;
      return result;
    },
    useBroadcastWriter: (args: { name: BroadcastWriterName }) => {
      if (!(args.name in writers)) throw new Error(`unknown broadcast writer ${String(args.name)}`);
      writer = writers[args.name];
      return null;
    },
    emitProbes: (args: EmitProbesArgs) => emitProbes(service, args),
    wsStats: () => service.eventServer.stats(),
    /** Starts the bare-TCP floor server; returns its port. */
    startTcpFanout: async () => {
      fanout ??= await createTcpFanout();
      return fanout.port;
    },
    tcpFanoutWrite: async (args: { rounds: number; bytes: number; intervalMs: number }) => {
      if (!fanout) throw new Error('call startTcpFanout first');
      return { sockets: fanout.accepted, roundMs: await fanout.writeAll(args) };
    },
    stopTcpFanout: async () => {
      await fanout?.close();
      fanout = undefined;
      return null;
    },
  };

  serveRpc({ httpUrl: service.httpUrl, wsUrl: service.wsUrl, engine: config.engine, pid: process.pid } satisfies ServerInfo, handlers, async () => {
    if (sampler) clearInterval(sampler.timer);
    await fanout?.close();
    await service.close();
  });
}

/**
 * Publishes `count` probe events on the service's EventBus, `intervalMs` apart. Each carries
 * its sequence number and the monotonic send time (system-wide on Linux, so the load process
 * can subtract it from its own clock) in `message`, which is written before any image data.
 */
async function emitProbes(service: Service, args: EmitProbesArgs): Promise<EmitProbesResult> {
  const requestId = createRequestId();
  const imageData = args.imageChars ? randomBytes(Math.ceil((args.imageChars * 3) / 4)).toString('base64').slice(0, args.imageChars) : '';
  let eventBytes = 0;
  const publishMs: number[] = [];
  for (let seq = 0; seq < args.count; seq++) {
    if (seq > 0) await new Promise((resolve) => setTimeout(resolve, args.intervalMs));
    const event = probeEvent(requestId, seq, imageData);
    if (seq === 0) eventBytes = Buffer.byteLength(JSON.stringify(event));
    // The send time is taken last, right before the event enters the bus.
    event.message = formatProbeMessage(seq, process.hrtime.bigint());
    const before = performance.now();
    service.bus.publish(event);
    publishMs.push(performance.now() - before);
  }
  return { sent: args.count, eventBytes, connections: service.eventServer.stats().connections, publishMs };
}

interface RssSampler {
  timer: NodeJS.Timeout;
  peak: MemorySnapshot;
  samples: number;
}

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** `snapshot()` plus the children's RSS, from /proc (Linux). Too slow for the 5 ms sampler. */
function fullSnapshot(): MemorySnapshot {
  return { ...snapshot(), childrenRss: childrenRss() };
}

function childrenRss(): number | undefined {
  try {
    let total = 0;
    for (const task of fs.readdirSync('/proc/self/task')) {
      const pids = fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        total += Number(kb ?? 0) * 1024;
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

function probeEvent(requestId: string, seq: number, imageData: string): PipelineEvent {
  const timestamp = new Date().toISOString();
  const message = formatProbeMessage(seq, 0n);
  if (!imageData) return { type: 'analysis_started', message, requestId, timestamp };
  return {
    type: 'individual_image_completed',
    message,
    requestId,
    timestamp,
    imageIndex: 1,
    totalImages: 1,
    title: 'Benchmark image',
    mimeType: 'image/jpeg',
    durationMs: 0,
    imageData,
  };
}

/** Two full collections, with a turn of the event loop between for weak callbacks. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server process with --expose-gc');
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

// Only when forked as a benchmark process, never when imported.
if (require.main === module) main().catch(reportStartFailure);
