import type { EventHandler, EventTransport } from './EventTransport';

/**
 * Delivers each event synchronously to every handler in this process, in subscription order.
 * Handlers reach it through the EventBus, which keeps a failing handler from affecting others.
 */
export function createInProcessTransport(): EventTransport {
  const handlers = new Set<EventHandler>();
  let closed = false;
  return {
    publish(event) {
      if (closed) return;
      for (const handler of handlers) handler(event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    health: () => ({ transport: 'in-process', status: 'ok' }),
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
