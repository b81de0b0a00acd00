/**
 * The publishing half of the Redis transport: hands events to Redis in emit order, holds those
 * it cannot hand over yet (Redis down, or past `maxPendingBytes` unacknowledged) in a bounded
 * backlog, and publishes the backlog, oldest first, once it is allowed to.
 */
import type { Logger } from '../logging/Logger';
import { createPublishBacklog } from './createPublishBacklog';

export interface OrderedPublisherOptions {
  /** Hands one message to Redis; settles once Redis acknowledged it (or the connection failed). */
  publish(message: Buffer): Promise<unknown>;
  /** Whether the publishing connection takes commands now. */
  isReady(): boolean;
  /** Whether the backlog may be published now: both connections up and the transport open. */
  mayReplay(): boolean;
  /** A publish failed: the connection is in trouble. */
  onFailure(err: unknown): void;
  maxPendingBytes: number;
  maxBacklogBytes: number;
  maxBacklogAgeMs: number;
  now: () => number;
  logger: Logger;
  /** Fields every log line carries (url, channel). */
  where: Record<string, unknown>;
}

export interface OrderedPublisher {
  /** Publishes `message` now if nothing waits before it and Redis keeps up; else holds it. */
  send(message: Buffer, requestId: string): void;
  /** Publishes the backlog, oldest first, as far as Redis keeps up. */
  replay(): void;
  /** Publishes the backlog after `delayMs` (unless held again meanwhile); the first call's wait stands. */
  replayAfter(delayMs: number): void;
  /** Stops a pending `replayAfter`: the connection failed again. */
  hold(): void;
  /** Stops for good and gives the backlog up; answers how many events it held. */
  close(): number;
  /** Events waiting in the backlog. */
  readonly backlog: number;
  /** Events that never crossed: dropped from the backlog, lost with a failed publish, or given up at close. */
  readonly unpublished: number;
}

/**
 * Order holds because every event goes through here: while anything waits in the backlog, every
 * later event waits behind it. An event whose publish failed is counted, not sent again: Redis
 * may have delivered it before the connection dropped (no duplicates).
 */
export function createOrderedPublisher(options: OrderedPublisherOptions): OrderedPublisher {
  const { logger, where, maxPendingBytes, maxBacklogBytes, maxBacklogAgeMs } = options;
  let pendingBytes = 0;
  let unpublished = 0;
  let closed = false;
  // Past maxPendingBytes, from the warning to the info line once Redis caught up.
  let slow = false;
  // From the first event the backlog dropped until it is empty again: one warning per outage.
  let shedding = false;
  // Running from replayAfter until the backlog may be published.
  let replayTimer: NodeJS.Timeout | undefined;
  const backlog = createPublishBacklog({
    maxBytes: maxBacklogBytes,
    maxAgeMs: maxBacklogAgeMs,
    now: options.now,
    onDrop(count, reason) {
      unpublished += count;
      if (shedding) return;
      shedding = true;
      logger.warn({ ...where, reason, maxBacklogBytes, maxBacklogAgeMs }, 'events waiting for Redis dropped, oldest first: the backlog is full or they waited too long');
    },
  });

  /** Whether `message` may be handed to Redis now without passing `maxPendingBytes`. */
  const fits = (message: Buffer) => pendingBytes === 0 || pendingBytes + message.length <= maxPendingBytes;

  function replay(): void {
    if (closed || replayTimer || !options.mayReplay()) return;
    for (let next = backlog.peek(); next && fits(next); next = backlog.peek()) {
      backlog.shift();
      publishNow(next);
    }
    if (backlog.length === 0) shedding = false;
  }

  function publishNow(message: Buffer): void {
    pendingBytes += message.length;
    options.publish(message).then(
      () => {
        pendingBytes -= message.length;
        replay();
        if (slow && pendingBytes === 0 && backlog.length === 0) {
          slow = false;
          logger.info(where, 'Redis caught up; events cross instances again');
        }
      },
      (err: unknown) => {
        pendingBytes -= message.length;
        unpublished += 1;
        options.onFailure(err);
      },
    );
  }

  const hold = () => {
    clearTimeout(replayTimer);
    replayTimer = undefined;
  };

  return {
    send(message, requestId) {
      if (closed) return;
      const ready = options.isReady();
      if (backlog.length === 0 && ready && fits(message)) {
        publishNow(message);
        return;
      }
      if (backlog.length === 0 && ready && !slow) {
        slow = true;
        logger.warn({ ...where, pendingBytes, requestId }, 'Redis is not keeping up; events wait to cross instances until it does');
      }
      backlog.push(message);
      replay();
    },
    replay,
    replayAfter(delayMs) {
      if (closed || backlog.length === 0) return;
      replayTimer ??= setTimeout(() => {
        replayTimer = undefined;
        replay();
      }, delayMs);
    },
    hold,
    close() {
      closed = true;
      hold();
      const givenUp = backlog.clear();
      unpublished += givenUp;
      return givenUp;
    },
    get backlog() {
      return backlog.length;
    },
    get unpublished() {
      return unpublished;
    },
  };
}
