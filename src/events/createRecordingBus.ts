import type { EventBus } from './createEventBus';
import { createEventNumbering } from './createEventNumbering';
import type { PipelineEvent } from './eventSchemas';

/**
 * The bus as this instance's publishers see it: every event published through it is numbered
 * (`seq`, its place in its request's stream) before it goes out, and handed to `record` (the
 * store's event log) after it went out, and only those. Numbering here, on the instance running
 * the request, gives it the same seq on every instance and in the log. Subscribing on the bus
 * instead would, over a transport shared by several instances (SPEC §8), make every instance
 * store every instance's events. Subscribers and `close` are the underlying bus's.
 */
export function createRecordingBus(bus: EventBus, record: (event: PipelineEvent) => void): EventBus {
  const numbering = createEventNumbering();
  return {
    publish(event) {
      const seq = numbering.peek(event.requestId);
      const numbered = { ...event, seq };
      // A publish that throws (an invalid event) is not recorded, nor given a number.
      bus.publish(numbered);
      numbering.take(numbered, seq);
      record(numbered);
    },
    subscribe: (listener) => bus.subscribe(listener),
    health: () => bus.health(),
    close: () => bus.close(),
  };
}
