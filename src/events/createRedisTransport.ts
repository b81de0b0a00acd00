/**
 * The EventBus transport that lets several instances share events (SPEC §8): every event
 * published here is delivered to this process's handlers at once and published on a Redis
 * pub/sub channel, and every other instance's events on that channel are delivered here.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/Logger';
import { redactUrl } from '../util/redactUrl';
import type { EventHandler, EventTransport, EventTransportHealth } from './EventTransport';
import { decodeEventMessage, encodeEventMessage } from './redisEventMessage';
import { errorMessage } from '../util/errorMessage';
import { keepRedisConnected, type RedisConnectionOptions } from './keepRedisConnected';

export interface RedisTransportOptions {
  /** `redis://` or `rediss://` (REDIS_URL). */
  url: string;
  /** The channel every instance of the deployment shares (REDIS_CHANNEL). */
  channel: string;
  logger: Logger;
  /**
   * Bytes of events handed to Redis and not yet acknowledged beyond which further events are not
   * published (they still reach this instance's clients): a stalled Redis cannot grow memory
   * without limit. Default 64 MB, about ten of the largest image events.
   */
  maxPendingBytes?: number;
  /** Longest wait between reconnection attempts. Default 1 s. */
  maxReconnectDelayMs?: number;
}

export interface RedisTransport extends EventTransport {
  /**
   * Resolves once both connections are up, or once the first attempt failed (Redis
   * unreachable: the transport keeps retrying), or after `timeoutMs`; never rejects.
   */
  started(timeoutMs: number): Promise<'connected' | 'unreachable' | 'slow'>;
}

/** Closing a connection waits this long for Redis to acknowledge what it was sent, then cuts it. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Two connections, as Redis requires: a connection that subscribes can publish nothing.
 *
 * - Local first: an event reaches this instance's handlers synchronously, before it is sent,
 *   so its own clients never wait on Redis; the copy Redis echoes back is recognised by the
 *   instance id in its header and dropped.
 * - Order: a request's events are all published by the instance that runs it, through its one
 *   publisher connection. Redis runs one connection's commands in the order sent and delivers
 *   each PUBLISH to every subscriber before the next, so every instance sees a request's events
 *   in the order they were emitted. An event not published (Redis down or not keeping up) is
 *   dropped, never queued for later, so none can arrive after one emitted later.
 * - Outage: nothing waits on Redis or fails because of it. The publisher has no offline queue
 *   (while disconnected, events simply do not cross) and at most `maxPendingBytes` unacknowledged;
 *   a failed connection is made again after a back-off of at most `maxReconnectDelayMs`
 *   (keepRedisConnected: close() cancels it), the subscriber subscribing again. One warning per outage; `health()`
 *   says `unavailable` meanwhile. Pub/sub keeps no history: what was published during the outage
 *   is not delivered later (the stored event log has it).
 * - Arriving messages are checked against the event schemas; anything else is logged and dropped.
 */
export function createRedisTransport(options: RedisTransportOptions): RedisTransport {
  const { channel } = options;
  const maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1_000;
  const instanceId = randomUUID();
  const logger = options.logger.child({ component: 'redis-events' });
  const where = { url: redactUrl(options.url), channel };
  const handlers = new Set<EventHandler>();
  const counts = { unpublished: 0, rejected: 0 };
  let pendingBytes = 0;
  let backlogged = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  // True from the first failure until both connections are ready again: one warning per outage.
  let outage = false;
  let everConnected = false;
  const firstOutcome = new Set<(outcome: 'connected' | 'unreachable') => void>();

  const connection = (disableOfflineQueue: boolean, prepare?: RedisConnectionOptions['prepare']) =>
    keepRedisConnected({
      client: { url: options.url, disableOfflineQueue },
      prepare,
      onError: trouble,
      onReady: ready,
      // Exponential back-off capped low: an outage is noticed over once Redis is back within a second.
      retryDelayMs: (failures) => Math.min(50 * 2 ** (failures - 1), maxReconnectDelayMs) + Math.floor(Math.random() * 50),
      closeGraceMs: CLOSE_GRACE_MS,
    });
  const publisher = connection(true);
  // Its only commands are SUBSCRIBE and UNSUBSCRIBE: a queue held while offline stays tiny. Each
  // new connection subscribes again. Buffers, not strings: the event's bytes go to the WebSocket
  // clients as they arrived.
  const subscriber = connection(false, (client) => void client.subscribe(channel, receive, true).catch(trouble));

  const connected = () => publisher.isReady && subscriber.isReady;

  function trouble(err: unknown): void {
    if (closed || outage) return;
    outage = true;
    const reason = errorMessage(err);
    if (everConnected) logger.warn({ ...where, err: reason }, 'Redis unreachable; events no longer cross instances until it is back');
    else logger.warn({ ...where, err: reason }, 'Redis not reachable at start; events stay on this instance until it is');
    for (const settle of firstOutcome) settle('unreachable');
    firstOutcome.clear();
  }

  function ready(): void {
    if (closed || !connected()) return;
    if (!everConnected) logger.info(where, 'events cross instances through Redis');
    else if (outage) logger.info(where, 'Redis reachable again; events cross instances again');
    outage = false;
    everConnected = true;
    for (const settle of firstOutcome) settle('connected');
    firstOutcome.clear();
  }

  function deliver(event: Parameters<EventHandler>[0], encoded: Buffer): void {
    for (const handler of handlers) {
      try {
        handler(event, encoded);
      } catch (err) {
        // The EventBus isolates its listeners; a bare handler still must not stop the others.
        logger.error({ err, requestId: event.requestId, eventType: event.type }, 'event handler failed');
      }
    }
  }

  function receive(message: Buffer): void {
    if (closed) return;
    const decoded = decodeEventMessage(message);
    if (!decoded.ok) {
      counts.rejected += 1;
      logger.warn({ channel, bytes: message.length, problem: decoded.problem, rejected: counts.rejected }, 'dropped a message on the Redis channel that is not an event');
      return;
    }
    // Our own event, echoed: delivered locally when it was published.
    if (decoded.from === instanceId) return;
    deliver(decoded.event, decoded.encoded);
  }

  function send(encoded: Buffer, requestId: string): void {
    const message = encodeEventMessage(instanceId, encoded);
    if (!publisher.isReady) {
      // The outage was reported once; its events stay local.
      counts.unpublished += 1;
      return;
    }
    if (pendingBytes > 0 && pendingBytes + message.length > maxPendingBytes) {
      counts.unpublished += 1;
      if (!backlogged) {
        backlogged = true;
        logger.warn({ ...where, pendingBytes, requestId }, 'Redis is not keeping up; events stay on this instance until it does');
      }
      return;
    }
    pendingBytes += message.length;
    publisher.client.publish(channel, message).then(
      () => {
        pendingBytes -= message.length;
        if (backlogged && pendingBytes === 0) {
          backlogged = false;
          logger.info(where, 'Redis caught up; events cross instances again');
        }
      },
      (err: unknown) => {
        pendingBytes -= message.length;
        counts.unpublished += 1;
        trouble(err);
      },
    );
  }

  return {
    publish(event) {
      if (closed) return;
      const encoded = Buffer.from(JSON.stringify(event));
      deliver(event, encoded);
      send(encoded, event.requestId);
    },

    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },

    health(): EventTransportHealth {
      return { transport: 'redis', status: connected() ? 'ok' : 'unavailable', ...counts };
    },

    started(timeoutMs) {
      if (connected()) return Promise.resolve('connected');
      if (outage) return Promise.resolve('unreachable');
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          firstOutcome.delete(settle);
          logger.warn({ ...where, waitedMs: timeoutMs }, 'Redis slow to answer at start; continuing, events stay on this instance until it does');
          resolve('slow');
        }, timeoutMs);
        const settle = (outcome: 'connected' | 'unreachable') => {
          clearTimeout(timer);
          resolve(outcome);
        };
        firstOutcome.add(settle);
      });
    },

    close() {
      closing ??= (async () => {
        closed = true;
        handlers.clear();
        for (const settle of firstOutcome) settle('unreachable');
        firstOutcome.clear();
        await Promise.all([publisher.close(), subscriber.close()]);
      })();
      return closing;
    },
  };
}
