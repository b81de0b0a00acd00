import type { EventBus } from './createEventBus';
import type { PipelineEvent } from './eventSchemas';

/**
 * The bus as this instance's publishers see it: every event published through it is handed to
 * `record` (the store's event log) after it went out, and only those. Subscribing on the bus
 * instead would, over a transport shared by several instances (SPEC §8), make every instance
 * store every instance's events. Subscribers and `close` are the underlying bus's.
 */
export function createRecordingBus(bus: EventBus, record: (event: PipelineEvent) => void): EventBus {
  return {
    publish(event) {
      // A publish that throws (an invalid event) is not recorded either.
      bus.publish(event);
      record(event);
    },
    subscribe: (listener) => bus.subscribe(listener),
    health: () => bus.health(),
    close: () => bus.close(),
  };
}
