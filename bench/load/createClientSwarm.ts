/**
 * Many real `ws` clients in one process, connected to the event server, timing probe events
 * from the server's emit to each client's receipt.
 */
import WebSocket from 'ws';
import { readProbe } from './probeMessage';

export interface ConnectResult {
  connected: number;
  failed: number;
  elapsedMs: number;
  firstError?: string;
}

/** What every client received for one probe. */
export interface ProbeDelivery {
  seq: number;
  /** Clients that received it. */
  received: number;
  /** Emit → receive, ms, one per receiving client, in arrival order. */
  latenciesMs: number[];
  /** The first copy received parsed as JSON, with `imageData` cut to its length: proof it was well-formed. */
  sample?: Record<string, unknown>;
  /** Size of the received message, bytes. */
  bytes: number;
}

export interface ClientSwarm {
  readonly size: number;
  /** Opens clients until `target` are connected (each has received `connection_established`). */
  connect(target: number, options?: { parallel?: number; timeoutMs?: number }): Promise<ConnectResult>;
  /** Closes clients until only `keep` remain. */
  trim(keep: number): Promise<void>;
  /** Starts recording `count` probes (sequence 0…count-1) for the clients connected now. */
  arm(count: number): void;
  /** Waits until every armed client has every probe, or `timeoutMs`; returns what arrived. */
  collect(timeoutMs: number): Promise<ProbeDelivery[]>;
  close(): Promise<void>;
}

interface Bucket {
  latencies: number[];
  firstRaw?: Buffer;
}

/** A swarm of clients for the event server at `url`. */
export function createClientSwarm(url: string): ClientSwarm {
  const clients: WebSocket[] = [];
  let buckets: Bucket[] = [];
  let outstanding = 0;
  let onAllReceived: (() => void) | undefined;

  function onMessage(data: Buffer): void {
    // Timestamp first: everything after this line is client work, not delivery.
    const now = process.hrtime.bigint();
    if (outstanding === 0) return;
    const probe = readProbe(data);
    if (!probe) return;
    const bucket = buckets[probe.seq];
    if (!bucket) return;
    bucket.latencies.push(Number(now - probe.sentNs) / 1e6);
    bucket.firstRaw ??= data;
    outstanding -= 1;
    if (outstanding === 0) onAllReceived?.();
  }

  function open(timeoutMs: number): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      const fail = (err: Error) => {
        socket.removeAllListeners('message');
        socket.terminate();
        reject(err);
      };
      socket.once('error', fail);
      socket.once('message', () => {
        socket.off('error', fail);
        socket.on('error', () => undefined);
        socket.on('message', onMessage);
        resolve(socket);
      });
    });
  }

  return {
    get size() {
      return clients.length;
    },

    async connect(target, options = {}) {
      const parallel = options.parallel ?? 100;
      const timeoutMs = options.timeoutMs ?? 30_000;
      const started = performance.now();
      let failed = 0;
      let firstError: string | undefined;
      let toOpen = Math.max(0, target - clients.length);
      const worker = async () => {
        while (toOpen > 0) {
          toOpen -= 1;
          try {
            clients.push(await open(timeoutMs));
          } catch (err) {
            failed += 1;
            firstError ??= err instanceof Error ? err.message : String(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallel, toOpen) }, worker));
      return { connected: clients.length, failed, elapsedMs: performance.now() - started, firstError };
    },

    async trim(keep) {
      const closing = clients.splice(keep).map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1000, 'bench done');
            // A close handshake that stalls is cut, so trimming never hangs the run.
            setTimeout(() => socket.terminate(), 5000).unref();
          }),
      );
      await Promise.all(closing);
    },

    arm(count) {
      buckets = Array.from({ length: count }, () => ({ latencies: [] }));
      outstanding = clients.length * count;
    },

    async collect(timeoutMs) {
      if (outstanding > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          onAllReceived = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        onAllReceived = undefined;
      }
      outstanding = 0;
      return buckets.map((bucket, seq) => ({
        seq,
        received: bucket.latencies.length,
        latenciesMs: bucket.latencies,
        bytes: bucket.firstRaw?.length ?? 0,
        sample: bucket.firstRaw ? summarise(bucket.firstRaw) : undefined,
      }));
    },

    async close() {
      await this.trim(0);
    },
  };
}

function summarise(raw: Buffer): Record<string, unknown> {
  const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  if (typeof parsed.imageData === 'string') parsed.imageData = `<${parsed.imageData.length} chars>`;
  return parsed;
}
