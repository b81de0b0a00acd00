import { TERMINAL_EVENT_TYPES, type PipelineEvent } from './eventSchemas';

/** Requests whose counter is kept; a request that never ends cannot grow this for ever. */
const MAX_TRACKED_REQUESTS = 10_000;

/**
 * Numbers the events of the requests this instance runs: each request's counter, the one source
 * of `seq` for the wire and the stored log alike.
 */
export interface EventNumbering {
  /** The seq the next event of `requestId` gets (nothing is taken until `take`). */
  peek(requestId: string): number;
  /** Takes `seq` for `event` (the value `peek` gave); a terminal event ends its request's counter. */
  take(event: PipelineEvent, seq: number): void;
}

/**
 * @param maxTracked requests whose counter is kept (default 10,000): past it, the one heard from
 *   least recently is forgotten (only events published by something other than the pipeline,
 *   which never end a request, can leave that many open).
 */
export function createEventNumbering(maxTracked = MAX_TRACKED_REQUESTS): EventNumbering {
  // Ordered by last event (each take moves its request to the end), so the oldest is evicted first.
  const next = new Map<string, number>();
  return {
    peek: (requestId) => next.get(requestId) ?? 1,
    take(event, seq) {
      next.delete(event.requestId);
      if (TERMINAL_EVENT_TYPES.has(event.type)) return;
      next.set(event.requestId, seq + 1);
      if (next.size > maxTracked) next.delete(next.keys().next().value as string);
    },
  };
}
