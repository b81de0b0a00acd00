/**
 * The standalone WebSocket server (SPEC §4): adapts `ws` connections to the EventHub,
 * forwards every EventBus event to it, and keeps connections honest with a heartbeat.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { ERROR_CODES } from '../errors/errorCodes';
import type { EventBus } from '../events/createEventBus';
import type { EventHistory } from '../events/EventHistory';
import type { Logger } from '../logging/Logger';
import type { TrustProxy } from '../config/trustProxySetting';
import { createClientAddress } from '../net/createClientAddress';
import { listen } from '../net/listen';
import { checkAccess } from './checkAccess';
import { CLOSE_CODES } from './closeCodes';
import { createBroadcastWriter, type BroadcastWriter } from './createBroadcastWriter';
import { createEventHub, type DeliveryMode, type EventHubStats } from './createEventHub';
import { createSocketClass } from './createSocketClass';

export interface EventServerOptions {
  port: number;
  host?: string;
  bus: EventBus;
  logger: Logger;
  authToken?: string;
  allowedOrigins?: readonly string[];
  delivery?: DeliveryMode;
  /** Protocol ping interval; a client that missed the previous ping is terminated. */
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  /** Largest inbound message; bigger closes the connection with 1009 "Message too big (limit N bytes)". */
  maxPayloadBytes?: number;
  /** Proxies whose X-Forwarded-For names the client in logs (TRUST_PROXY). Default loopback. */
  trustProxy?: TrustProxy;
  /** How a broadcast is written to each client; default builds its frame once (createBroadcastWriter). */
  writer?: BroadcastWriter;
  /** A started request with no event for longer than this is given up (see createEventHub). */
  staleRequestMs?: number;
  /** The clock, in ms, that ages requests (tests). */
  now?: () => number;
  /** The stored event logs: what a resuming client missed that the hub's memory no longer holds. */
  history?: EventHistory;
}

export interface EventServer {
  readonly port: number;
  stats(): EventHubStats & { status: 'running' | 'closed'; port: number };
  /** Closes every client with `code` (default 1001) and stops listening. Idempotent. */
  close(code?: number): Promise<void>;
}

/** Starts the event server; resolves once it is listening. */
export async function createEventServer(options: EventServerOptions): Promise<EventServer> {
  const { logger, bus } = options;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const hub = createEventHub({
    logger,
    delivery: options.delivery,
    maxBufferedBytes: options.maxBufferedBytes,
    staleRequestMs: options.staleRequestMs,
    now: options.now,
    history: options.history,
  });

  const httpServer = http.createServer((_req, res) => {
    const body = JSON.stringify({ success: false, error: { code: 'UPGRADE_REQUIRED', message: 'Connect with a WebSocket client' } });
    // no-store, as every error answer of the HTTP port: a cache must not keep it for the URL.
    res.writeHead(ERROR_CODES.UPGRADE_REQUIRED, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Upgrade: 'websocket',
      'Cache-Control': 'no-store',
      // Closed once answered: kept alive, Node would read (and discard) any body that follows.
      Connection: 'close',
    });
    res.end(body);
  });
  const maxPayload = options.maxPayloadBytes ?? 16 * 1024;
  const wss = new WebSocketServer({
    server: httpServer,
    maxPayload,
    perMessageDeflate: false,
    // One message per turn of the event loop and client: by default ws handles every message of
    // a TCP read at once, so a client sending thousands of tiny messages per read (each answered)
    // stalled every other client, and the HTTP side, for seconds.
    allowSynchronousEvents: false,
    // ws closes an oversized message with 1009 and no reason; this class gives it one.
    WebSocket: createSocketClass(maxPayload),
  });

  const clientAddress = createClientAddress(options.trustProxy);
  const alive = new WeakSet<WebSocket>();
  // Builds each broadcast's WebSocket frame once for all recipients.
  const writer = options.writer ?? createBroadcastWriter();

  wss.on('connection', (socket, req) => {
    socket.on('error', (err) => logger.debug({ err }, 'client socket error'));
    const denial = checkAccess(req, { authToken: options.authToken, allowedOrigins: options.allowedOrigins });
    if (denial) {
      logger.info({ ip: clientAddress(req), reason: denial.reason }, 'websocket connection refused');
      // Cut if it does not answer: a silent refused client would otherwise hold it open for
      // ws's 30 s close timeout, and shutdown with it.
      closeHard(socket, CLOSE_CODES.UNAUTHORIZED, denial.reason);
      return;
    }
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    const id = hub.connect({
      send: (data) => writer.send(socket, data),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      close: (code, reason) => closeHard(socket, code, reason),
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        closeHard(socket, CLOSE_CODES.UNSUPPORTED_DATA, 'Binary messages are not supported');
        return;
      }
      // Text frames arrive as one Buffer (ws's default binaryType, no fragments kept apart).
      hub.receive(id, (data as Buffer).toString('utf8'));
    });
    socket.on('close', () => hub.disconnect(id));
  });
  // ws re-emits the HTTP server's errors; a failed listen is reported once, by listen's rejection.
  let listening = false;
  wss.on('error', (err) => {
    if (listening) logger.error({ err }, 'websocket server error');
  });

  const port = await listen(httpServer, options.port, options.host, 'WS_PORT');
  listening = true;
  logger.info({ port }, 'WebSocket server listening');

  // Only once listening: a failed bind leaves nothing subscribed or ticking behind.
  const unsubscribe = bus.subscribe((event, encoded) => hub.deliver(event, encoded));
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        logger.debug('terminating client that missed a heartbeat');
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      try {
        socket.ping();
      } catch {
        socket.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    port,
    stats: () => ({ ...hub.stats(), status: closing ? 'closed' : 'running', port }),
    close(code = CLOSE_CODES.GOING_AWAY) {
      closing ??= (async () => {
        clearInterval(heartbeat);
        unsubscribe();
        const reason = code === CLOSE_CODES.GOING_AWAY ? 'Server shutting down' : 'Closing';
        hub.close(code, reason);
        // Sockets the hub never held (being refused, say) are closed too: ws waits for every one.
        for (const socket of wss.clients) if (socket.readyState === socket.OPEN) socket.close(code, reason);
        // Sockets that do not finish the close handshake within a second are cut.
        const deadline = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
          httpServer.closeAllConnections();
        }, 1000);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        clearTimeout(deadline);
      })();
      return closing;
    },
  };
}

/**
 * Starts a close handshake; a client that does not complete it within a second (e.g. a slow
 * consumer whose buffer is full) is terminated so its memory is released.
 */
function closeHard(socket: WebSocket, code: number, reason: string): void {
  // Once is enough: a client flooding binary frames after its close frame must not add a timer each.
  if (socket.readyState !== socket.OPEN) return;
  socket.close(code, reason);
  const timer = setTimeout(() => socket.terminate(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
