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
import { createOrderedPublisher } from './createOrderedPublisher';

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
  /**
   * Bytes of events held while they cannot be published (Redis down, or past `maxPendingBytes`),
   * to publish once Redis takes them; past it the oldest are dropped. Default 64 MB.
   */
  maxBacklogBytes?: number;
  /** An event held longer than this is dropped instead of published late. Default 30 s. */
  maxBacklogAgeMs?: number;
  /**
   * An arriving message larger than this is dropped unread: no event of this service is (an image
   * event is 1–7 MB), and a 100 MB one cost about a gigabyte to read and went to every client. Default 64 MB.
   */
  maxMessageBytes?: number;
  /** Longest wait between reconnection attempts. Default 1 s. */
  maxReconnectDelayMs?: number;
  /** The clock the backlog's ages are read on. Default `Date.now`. */
  now?: () => number;
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
/** Up to this much is added at random to each reconnection wait, so instances do not retry in step. */
const RETRY_JITTER_MS = 50;
/**
 * Beyond the longest reconnection wait (and its jitter), how long the backlog waits once both
 * connections are back, for the other instances' subscribers to be back too: their connect and
 * SUBSCRIBE round trips.
 */
const REPLAY_MARGIN_MS = 200;

/**
 * Two connections, as Redis requires: a connection that subscribes can publish nothing.
 *
 * - Local first: an event reaches this instance's handlers synchronously, before it is sent,
 *   so its own clients never wait on Redis; the copy Redis echoes back is recognised by the
 *   instance id in its header and dropped.
 * - Order: a request's events are all published by the instance that runs it, through its one
 *   publisher connection. Redis runs one connection's commands in the order sent and delivers
 *   each PUBLISH to every subscriber before the next, so every instance sees a request's events
 *   in the order they were emitted. An event that cannot be published now waits in a backlog,
 *   and while anything waits there every later event waits behind it: the backlog is published
 *   oldest first, before anything emitted after it, so none arrives after one emitted later.
 * - Outage: nothing waits on Redis or fails because of it. The publisher has no offline queue of
 *   node-redis's (it would be unbounded); events it cannot publish, while disconnected or with
 *   `maxPendingBytes` unacknowledged, wait in the backlog (createOrderedPublisher): at most
 *   `maxBacklogBytes`, each at most `maxBacklogAgeMs`, the oldest dropped first past either and
 *   counted as `unpublished` (one warning per outage). A failed connection is made again after a
 *   back-off of at most `maxReconnectDelayMs` (keepRedisConnected: close() cancels it), the
 *   subscriber subscribing again. Once both connections are back, the backlog waits one more
 *   longest back-off (and a margin) before it is published: the other instances, retrying as
 *   often, have subscribed again by then (pub/sub keeps no history, so an instance subscribed
 *   late would miss what came before). One warning per outage; `health()` says `unavailable`
 *   meanwhile. Events published when the connection dropped, unacknowledged, are not sent
 *   again (Redis may have delivered them: no duplicates); close() gives up the backlog.
 * - Arriving messages are checked against the event schemas (those over `maxMessageBytes` are not
 *   read); anything else is logged and dropped.
 */
export function createRedisTransport(options: RedisTransportOptions): RedisTransport {
  const { channel } = options;
  const maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1_000;
  const maxBacklogBytes = options.maxBacklogBytes ?? 64 * 1024 * 1024;
  const maxBacklogAgeMs = options.maxBacklogAgeMs ?? 30_000;
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const instanceId = randomUUID();
  const logger = options.logger.child({ component: 'redis-events' });
  const where = { url: redactUrl(options.url), channel };
  const handlers = new Set<EventHandler>();
  let rejected = 0;
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
      retryDelayMs: (failures) => Math.min(50 * 2 ** (failures - 1), maxReconnectDelayMs) + Math.floor(Math.random() * RETRY_JITTER_MS),
      closeGraceMs: CLOSE_GRACE_MS,
    });
  const publisher = connection(true);
  // Its only commands are SUBSCRIBE and UNSUBSCRIBE: a queue held while offline stays tiny. Each
  // new connection subscribes again. Buffers, not strings: the event's bytes go to the WebSocket
  // clients as they arrived.
  const subscriber = connection(false, (client) => void client.subscribe(channel, receive, true).catch(trouble));

  const connected = () => publisher.isReady && subscriber.isReady;
  const outbox = createOrderedPublisher({
    publish: (message) => publisher.client.publish(channel, message),
    isReady: () => publisher.isReady,
    mayReplay: () => !closed && connected(),
    onFailure: trouble,
    maxPendingBytes,
    maxBacklogBytes,
    maxBacklogAgeMs,
    now: options.now ?? Date.now,
    logger,
    where,
  });

  function trouble(err: unknown): void {
    // The backlog waits for the connections to be back again.
    outbox.hold();
    if (closed || outage) return;
    outage = true;
    const reason = errorMessage(err);
    const held = { maxBacklogBytes, maxBacklogAgeMs };
    if (everConnected) logger.warn({ ...where, ...held, err: reason }, 'Redis unreachable; events wait to cross instances until it is back');
    else logger.warn({ ...where, ...held, err: reason }, 'Redis not reachable at start; events wait to cross instances until it is');
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
    outbox.replayAfter(maxReconnectDelayMs + RETRY_JITTER_MS + REPLAY_MARGIN_MS);
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
    const decoded = decodeEventMessage(message, maxMessageBytes);
    if (!decoded.ok) {
      rejected += 1;
      logger.warn({ channel, bytes: message.length, problem: decoded.problem, rejected }, 'dropped a message on the Redis channel that is not an event');
      return;
    }
    // Our own event, echoed: delivered locally when it was published.
    if (decoded.from === instanceId) return;
    deliver(decoded.event, decoded.encoded);
  }

  return {
    publish(event) {
      if (closed) return;
      const encoded = Buffer.from(JSON.stringify(event));
      deliver(event, encoded);
      outbox.send(encodeEventMessage(instanceId, encoded), event.requestId);
    },

    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },

    health(): EventTransportHealth {
      return { transport: 'redis', status: connected() ? 'ok' : 'unavailable', unpublished: outbox.unpublished, rejected, backlog: outbox.backlog };
    },

    started(timeoutMs) {
      if (connected()) return Promise.resolve('connected');
      if (outage) return Promise.resolve('unreachable');
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          firstOutcome.delete(settle);
          logger.warn({ ...where, waitedMs: timeoutMs }, 'Redis slow to answer at start; continuing, events wait to cross instances until it does');
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
        const givenUp = outbox.close();
        if (givenUp > 0) {
          logger.warn({ ...where, events: givenUp }, 'closing with events Redis has not taken yet; they do not cross instances');
        }
        handlers.clear();
        for (const settle of firstOutcome) settle('unreachable');
        firstOutcome.clear();
        await Promise.all([publisher.close(), subscriber.close()]);
      })();
      return closing;
    },
  };
}
