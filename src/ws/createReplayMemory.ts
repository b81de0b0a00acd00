/**
 * The recent events the event server remembers, as sent, so a client that resumes after a drop
 * gets what it missed without a database read. Bounded in count and bytes: the least recently
 * heard-from requests are forgotten first, and an event with an image (~1.5 MB) is never kept,
 * only its number: a resuming client gets those from the store.
 */
import type { PipelineEvent } from '../events/eventSchemas';

export interface ReplayMemory {
  /** Notes `event` (`encoded`: its JSON as sent, when the caller has it); events without a seq are not kept. */
  remember(event: PipelineEvent, encoded?: Buffer): void;
  /** The highest seq heard of `requestId`, while it is remembered. */
  lastSeq(requestId: string): number | undefined;
  /** Event `seq` of `requestId` as sent, when it is kept. */
  get(requestId: string, seq: number): Buffer | undefined;
}

export interface ReplayMemoryLimits {
  /** Events kept in all (each remembered request counts one more). Default 10,000. */
  maxEvents?: number;
  /** Bytes of events kept in all. Default 8 MB. */
  maxBytes?: number;
  /** A larger event is not kept (nor is any with `imageData`). Default 64 KB. */
  maxEventBytes?: number;
}

interface Kept {
  lastSeq: number;
  events: Map<number, Buffer>;
  bytes: number;
}

export function createReplayMemory(limits: ReplayMemoryLimits = {}): ReplayMemory {
  const maxEvents = limits.maxEvents ?? 10_000;
  const maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
  const maxEventBytes = limits.maxEventBytes ?? 64 * 1024;
  // Ordered by last event (each event moves its request to the end), so the oldest go first.
  const requests = new Map<string, Kept>();
  let count = 0;
  let bytes = 0;

  function evictOldest(): void {
    const [requestId, oldest] = requests.entries().next().value as [string, Kept];
    requests.delete(requestId);
    count -= 1 + oldest.events.size;
    bytes -= oldest.bytes;
  }

  return {
    remember(event, encoded) {
      const { requestId, seq } = event;
      if (seq === undefined) return;
      let kept = requests.get(requestId);
      if (kept) requests.delete(requestId);
      else {
        kept = { lastSeq: 0, events: new Map(), bytes: 0 };
        count += 1;
      }
      requests.set(requestId, kept);
      kept.lastSeq = Math.max(kept.lastSeq, seq);
      if (!('imageData' in event) && !kept.events.has(seq)) {
        const data = encoded ?? Buffer.from(JSON.stringify(event));
        if (data.length <= maxEventBytes) {
          // A copy: `encoded` may be a slice of a much larger buffer (a Redis read) it would pin.
          kept.events.set(seq, Buffer.from(data));
          kept.bytes += data.length;
          count += 1;
          bytes += data.length;
        }
      }
      while (count > maxEvents || bytes > maxBytes) evictOldest();
    },
    lastSeq: (requestId) => requests.get(requestId)?.lastSeq,
    get: (requestId, seq) => requests.get(requestId)?.events.get(seq),
  };
}
