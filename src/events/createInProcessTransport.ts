import type { EventHandler, EventTransport } from './EventTransport';

/**
 * Delivers each event synchronously to every handler in this process, in subscription order.
 * A throwing handler is reported through `onHandlerError` and never stops the others.
 */
export function createInProcessTransport(
  options: { onHandlerError?: (err: unknown) => void } = {},
): EventTransport {
  const handlers = new Set<EventHandler>();
  let closed = false;
  return {
    publish(event) {
      if (closed) return;
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (err) {
          options.onHandlerError?.(err);
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
