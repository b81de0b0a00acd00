import type { Logger } from '../logging/Logger';
import { createInProcessTransport } from './createInProcessTransport';
import type { EventTransport, EventTransportHealth } from './EventTransport';
import { PipelineEventSchema, type PipelineEvent } from './eventSchemas';

/**
 * A bus subscriber. What it returns is ignored, except that a promise that rejects is logged like
 * a throw. `encoded` is the event as UTF-8 JSON when the transport already has it.
 */
export type EventListener = (event: PipelineEvent, encoded?: Buffer) => unknown;

/** The typed bus every stage publishes to and every consumer (WebSocket, store) listens on. */
export interface EventBus {
  publish(event: PipelineEvent): void;
  /** Returns a function that removes the listener. */
  subscribe(listener: EventListener): () => void;
  /** The transport's state (`/health`). */
  health(): EventTransportHealth;
  close(): Promise<void>;
}

/**
 * Creates the EventBus over a transport (in-process by default). Subscribers are isolated:
 * see `subscribe`.
 * With `validate`, every event is checked against its schema before it leaves — tests turn
 * this on so a malformed event fails loudly at its source.
 */
export function createEventBus(options: {
  logger: Logger;
  transport?: EventTransport;
  validate?: boolean;
}): EventBus {
  const { logger } = options;
  const transport = options.transport ?? createInProcessTransport();
  const report = (err: unknown, event: PipelineEvent) =>
    logger.error({ err, requestId: event.requestId, eventType: event.type }, 'event listener failed');
  return {
    publish(event) {
      if (options.validate) {
        const result = PipelineEventSchema.safeParse(event);
        if (!result.success) {
          throw new Error(`Invalid ${event.type} event: ${result.error.message}`);
        }
      }
      transport.publish(event);
    },
    // Whatever the transport, a handler that throws or returns a rejected promise is logged
    // with its request id and never stops the publish, the other handlers or the process.
    subscribe: (listener) =>
      transport.subscribe((event, encoded) => {
        try {
          const result: unknown = listener(event, encoded);
          if (result instanceof Promise) result.catch((err: unknown) => report(err, event));
        } catch (err) {
          report(err, event);
        }
      }),
    health: () => transport.health(),
    close: () => transport.close(),
  };
}
