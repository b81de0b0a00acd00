/**
 * The transport-agnostic core of the event server: who is connected, who gets which event,
 * and what a client may ask. It sees sockets only through the tiny `ClientSocket` interface,
 * so one failing connection never affects the others and tests can drive it directly.
 */
import { randomUUID } from 'node:crypto';
import type { EventHistory } from '../events/EventHistory';
import type { Logger } from '../logging/Logger';
import { TERMINAL_EVENT_TYPES, type ConnectionEstablished, type PipelineEvent } from '../events/eventSchemas';
import { CLOSE_CODES } from './closeCodes';
import { invalidMessageReply, ClientMessageSchema, type ControlReply } from './controlMessages';
import { createCatchUp } from './createCatchUp';
import { createReplayMemory, type ReplayMemoryLimits } from './createReplayMemory';
import { createRequestTracker } from './createRequestTracker';
import type { ClientSocket, DeliveryMode, EventHub } from './EventHub';

export type { ClientSocket, DeliveryMode, EventHub, EventHubStats } from './EventHub';

interface Client {
  id: string;
  socket: ClientSocket;
  subscriptions: Set<string>;
}

/** How many finished request ids are remembered so late subscribers get a clear answer. */
const RECENT_REQUESTS = 1000;

/** The default REQUEST_TIMEOUT_MS (3 min) + 60 s, as the store's sweep for interrupted requests. */
const STALE_REQUEST_MS = 240_000;
/** Past its instance's REQUEST_TIMEOUT_MS, the time a request's terminal event may take to be stored and cross instances (as above). */
const REQUEST_GRACE_MS = 60_000;
/**
 * Requests followed at once: far more than instances × MAX_CONCURRENT_REQUESTS, so only a flood of
 * processing_started from something other than this service reaches it (about 25 MB).
 */
const MAX_ACTIVE_REQUESTS = 100_000;

/**
 * @param options.delivery `broadcast` (default, SPEC §4): every client gets every event.
 *   `subscribed`: a client gets only events of requests it started (X-Connection-Id) or subscribed to.
 * @param options.maxBufferedBytes a client with a backlog that the next message would carry past
 *   this is closed (SLOW_CONSUMER); a client with nothing waiting gets any message.
 * @param options.staleRequestMs a started request with no event for longer than this is given up:
 *   no longer active, dropped from subscriptions, and its followers sent a `processing_error`
 *   with code INTERRUPTED. Longer than any live request can go silent (REQUEST_TIMEOUT_MS + 60 s).
 * @param options.maxActiveRequests past this many active requests the least recently heard from is
 *   given up as above (default 100,000), so a flood of processing_started cannot grow memory.
 * @param options.now the clock, in ms (tests).
 * @param options.history the stored event logs, from which a client resuming a request (`subscribe`
 *   with `afterSeq`) gets what the memory (`options.replay`: its bounds) no longer holds.
 */
export function createEventHub(options: {
  logger: Logger;
  delivery?: DeliveryMode;
  maxBufferedBytes?: number;
  staleRequestMs?: number;
  maxActiveRequests?: number;
  now?: () => number;
  history?: EventHistory;
  replay?: ReplayMemoryLimits;
}): EventHub {
  const { logger } = options;
  const delivery = options.delivery ?? 'broadcast';
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const staleAfterMs = options.staleRequestMs ?? STALE_REQUEST_MS;
  const clients = new Map<string, Client>();
  const requests = createRequestTracker({
    staleAfterMs,
    graceMs: REQUEST_GRACE_MS,
    maxActive: options.maxActiveRequests ?? MAX_ACTIVE_REQUESTS,
    recent: RECENT_REQUESTS,
    now: options.now ?? Date.now,
    logger,
  });
  const memory = createReplayMemory(options.replay);
  const catchUp = createCatchUp({
    memory,
    history: options.history,
    logger,
    isActive: (requestId) => requests.isActive(requestId),
    send(clientId, data) {
      const client = clients.get(clientId);
      if (client) sendTo(client, data);
      return clients.has(clientId);
    },
    reply(clientId, message) {
      const client = clients.get(clientId);
      if (client) reply(client, message);
    },
    follow(clientId, requestId, on) {
      const subscriptions = clients.get(clientId)?.subscriptions;
      if (on) subscriptions?.add(requestId);
      else subscriptions?.delete(requestId);
    },
  });
  const stats = { eventsBroadcast: 0, messagesSent: 0, slowConsumersClosed: 0, interruptedRequests: 0 };
  let closed = false;

  function sendTo(client: Client, data: Buffer): void {
    const backlog = client.socket.bufferedAmount;
    // Slow means behind: a backlog that this message would carry past the cap. A client with
    // nothing waiting always gets the message, however large, or one big image event would
    // cut every client at once.
    if (backlog > 0 && backlog + data.length > maxBuffered) {
      stats.slowConsumersClosed += 1;
      logger.warn({ connectionId: client.id, bufferedAmount: backlog, messageBytes: data.length }, 'closing slow client');
      clients.delete(client.id);
      safely(client, () => client.socket.close(CLOSE_CODES.SLOW_CONSUMER, 'Slow consumer'));
      return;
    }
    safely(client, () => client.socket.send(data));
    stats.messagesSent += 1;
  }

  function safely(client: Client, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      logger.warn({ err, connectionId: client.id }, 'socket operation failed; dropping client');
      clients.delete(client.id);
      // Dropped from the hub, it would get no more events yet stay connected: close it too.
      try {
        client.socket.close(CLOSE_CODES.SERVER_ERROR, 'Internal error');
      } catch (closeErr) {
        logger.debug({ err: closeErr, connectionId: client.id }, 'closing a failed socket failed too');
      }
    }
  }

  function reply(client: Client, message: ControlReply): void {
    sendTo(client, Buffer.from(JSON.stringify(message)));
  }

  /** Notes `event`; false when it must not reach the clients (see RequestTracker.note). */
  function track(event: PipelineEvent): boolean {
    if (!requests.note(event)) return false;
    if (event.type === 'processing_started' && event.connectionId) clients.get(event.connectionId)?.subscriptions.add(event.requestId);
    return true;
  }

  /**
   * Once a request's terminal event is out, nothing more comes for it: its id is dropped from
   * the clients that followed it, or a long-lived connection that uploads (or subscribes) again
   * and again would hold every id it ever followed.
   */
  function forget(event: PipelineEvent): void {
    if (!TERMINAL_EVENT_TYPES.has(event.type)) return;
    for (const client of clients.values()) client.subscriptions.delete(event.requestId);
  }

  function recipients(event: PipelineEvent): Iterable<Client> {
    if (delivery === 'broadcast') return clients.values();
    return [...clients.values()].filter((c) => c.subscriptions.has(event.requestId));
  }

  /** Sends `event` to its recipients (serialized once for all), then forgets it if it ends its request. */
  function send(event: PipelineEvent, encoded?: Buffer): void {
    if (clients.size === 0) return;
    // Serialize once for every recipient: a 1.5 MB image event is not copied per client.
    const data = encoded ?? Buffer.from(JSON.stringify(event));
    for (const client of recipients(event)) if (!catchUp.intercept(client.id, event, data)) sendTo(client, data);
    forget(event);
  }

  /** Gives up the requests gone stale: their followers hear the end no event brought. */
  function giveUpStale(): void {
    if (closed) return;
    for (const interrupted of requests.giveUpStale()) {
      stats.interruptedRequests += 1;
      memory.remember(interrupted);
      send(interrupted);
    }
  }

  // One timer for every request, at most a minute late; it never keeps the process alive.
  const sweep = setInterval(giveUpStale, Math.min(staleAfterMs, 60_000));
  sweep.unref();

  return {
    connect(socket) {
      const client: Client = { id: randomUUID(), socket, subscriptions: new Set() };
      clients.set(client.id, client);
      const hello: ConnectionEstablished = {
        type: 'connection_established',
        connectionId: client.id,
        message: 'Connected to SnatchShot event stream',
        delivery,
        timestamp: new Date().toISOString(),
      };
      sendTo(client, Buffer.from(JSON.stringify(hello)));
      logger.debug({ connectionId: client.id, connections: clients.size }, 'client connected');
      return client.id;
    },

    receive(connectionId, text) {
      const client = clients.get(connectionId);
      if (!client) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const result = ClientMessageSchema.safeParse(parsed);
      const timestamp = new Date().toISOString();
      if (!result.success) {
        reply(client, invalidMessageReply(parsed, timestamp));
        return;
      }
      const message = result.data;
      switch (message.type) {
        case 'ping':
          reply(client, { type: 'pong', timestamp });
          return;
        case 'subscribe':
          if (message.afterSeq !== undefined) {
            // Unknown here, it may be running elsewhere: followed unless the store says otherwise.
            const known = requests.isKnown(message.requestId);
            if (catchUp.start(client.id, message.requestId, message.afterSeq, known) && (requests.isActive(message.requestId) || !known)) client.subscriptions.add(message.requestId);
            return;
          }
          if (!requests.isKnown(message.requestId)) {
            reply(client, {
              type: 'error',
              code: 'UNKNOWN_REQUEST',
              message: `No request ${message.requestId} is known to this server`,
              timestamp,
            });
            return;
          }
          // A finished request sends nothing more: answered, but not held.
          if (requests.isActive(message.requestId)) client.subscriptions.add(message.requestId);
          reply(client, { type: 'subscribed', requestId: message.requestId, timestamp });
          return;
        case 'unsubscribe':
          client.subscriptions.delete(message.requestId);
          reply(client, { type: 'unsubscribed', requestId: message.requestId, timestamp });
          return;
      }
    },

    disconnect(connectionId) {
      catchUp.drop(connectionId);
      if (clients.delete(connectionId)) {
        logger.debug({ connectionId, connections: clients.size }, 'client disconnected');
      }
    },

    deliver(event, encoded) {
      if (!track(event)) return;
      stats.eventsBroadcast += 1;
      // Serialized here even with no client connected (images aside): the memory keeps it.
      const data = encoded ?? (clients.size > 0 || !('imageData' in event) ? Buffer.from(JSON.stringify(event)) : undefined);
      memory.remember(event, data);
      send(event, data);
      // A new request may take the active ones past their cap.
      if (event.type === 'processing_started') giveUpStale();
    },

    has: (connectionId) => clients.has(connectionId),

    stats() {
      giveUpStale();
      return {
        connections: clients.size,
        activeRequests: requests.activeCount(),
        subscriptions: [...clients.values()].reduce((sum, client) => sum + client.subscriptions.size, 0),
        ...stats,
      };
    },

    close(code, reason) {
      closed = true;
      clearInterval(sweep);
      catchUp.close();
      for (const client of clients.values()) safely(client, () => client.socket.close(code, reason));
      clients.clear();
    },
  };
}
