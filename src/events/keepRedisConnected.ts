/**
 * One Redis connection kept up across outages, with a back-off of its own that close() cancels.
 *
 * node-redis's own reconnection waits out each back-off on a timer nobody can cancel
 * (`timers/promises` setTimeout, no signal): a client destroyed during an outage kept that timer
 * alive up to a second after close() resolved. So node-redis is told never to reconnect, and each
 * failed client is replaced by a fresh one after a wait on a timer held here.
 *
 * Nor does node-redis's destroy() reach a socket still connecting (it holds it only once
 * connected): an attempt whose packets are dropped ran on to its 5 s connect timeout after
 * close(). Each client's socket is made with an AbortSignal held here, aborted to end it.
 */
import { createClient, type RedisClientOptions, type RedisClientType } from '@redis/client';
import { settledWithin } from '../util/settledWithin';

export type RedisClient = RedisClientType;

export interface RedisConnectionOptions {
  /** Options of every client made (its `socket.reconnectStrategy` is replaced: see above). */
  client: RedisClientOptions;
  /**
   * Runs on each new client once it is connecting: commands sent here wait in its offline queue
   * (a subscriber subscribes here; a failed client's subscriptions die with it).
   */
  prepare?: (client: RedisClient) => void;
  /** Each failure of the client in use (a failed attempt, a dropped connection, a failed command it reports). */
  onError: (err: unknown) => void;
  /** The client in use is connected and ready. */
  onReady: () => void;
  /** How long to wait before the attempt after `failures` consecutive failed ones (1, 2, …). */
  retryDelayMs: (failures: number) => number;
  /** Closing a ready connection waits this long for Redis to acknowledge what it was sent, then cuts it. */
  closeGraceMs: number;
}

export interface RedisConnection {
  /** The client in use now: a new one after each failure. */
  readonly client: RedisClient;
  readonly isReady: boolean;
  /**
   * Idempotent. Cancels a pending reconnection; a ready connection gets up to `closeGraceMs` for
   * its replies, one being made is cut. Resolves once nothing of the connection is left running.
   */
  close(): Promise<void>;
}

export function keepRedisConnected(options: RedisConnectionOptions): RedisConnection {
  const clientOptions: RedisClientOptions = { ...options.client, socket: { ...options.client.socket, reconnectStrategy: false } };
  let client: RedisClient;
  /** Ends the current client's socket, connected or still connecting. */
  let endSocket = new AbortController();
  /** The current client's connect(), settled (never rejects) once its one attempt is over. */
  let attempt: Promise<void> = Promise.resolve();
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  function open(): void {
    endSocket = new AbortController();
    // Cast: the type of the TLS options lacks `signal`, which tls.connect honours as net.connect does.
    const socket = { ...clientOptions.socket, signal: endSocket.signal } as RedisClientOptions['socket'];
    const made = createClient({ ...clientOptions, socket }) as RedisClient;
    client = made;
    // Listened to for good, even once replaced: without a listener node-redis would throw it.
    made.on('error', (err: unknown) => {
      if (made === client && !closed) options.onError(err);
    });
    made.on('ready', () => {
      // Connected after all, though closed or replaced meanwhile: nobody would ever close it.
      if (made !== client || closed) {
        made.destroy();
        return;
      }
      failures = 0;
      options.onReady();
    });
    // node-redis gave up on this client (reconnectStrategy false): the next one comes after a wait.
    made.on('terminated', () => {
      made.destroy();
      if (made !== client || closed || retryTimer) return;
      failures += 1;
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (!closed) open();
      }, options.retryDelayMs(failures));
    });
    attempt = made.connect().then(
      () => undefined,
      // Reported through `error` as it happened.
      () => undefined,
    );
    options.prepare?.(made);
  }

  open();

  async function disconnect(current: RedisClient): Promise<void> {
    if (!current.isReady) {
      // Closed first, so the aborted attempt ends quietly (no error, no retry); the abort then
      // ends a socket still connecting, which destroy() does not reach.
      current.destroy();
      endSocket.abort();
      await settledWithin(attempt, options.closeGraceMs);
      return;
    }
    // A stalled server must not hold shutdown: what it has not acknowledged by then is cut.
    const cut = setTimeout(() => current.destroy(), options.closeGraceMs);
    try {
      await current.close();
    } finally {
      clearTimeout(cut);
    }
  }

  return {
    get client() {
      return client;
    },
    get isReady() {
      return client.isReady;
    },
    close() {
      closing ??= (() => {
        closed = true;
        clearTimeout(retryTimer);
        retryTimer = undefined;
        return disconnect(client);
      })();
      return closing;
    },
  };
}
