/**
 * Wires the real components together: logger, EventBus, engine, store, WebSocket server,
 * pipeline and HTTP app. The entry point (server.ts) and the tests both start the service
 * through here; tests pass port 0 and their own dependencies where they need to.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Config } from './config/loadConfig';
import { createHeicDecoder } from './domain/heic/createHeicDecoder';
import { AppError } from './errors/AppError';
import { createEventBus, type EventBus } from './events/createEventBus';
import { createRecordingBus } from './events/createRecordingBus';
import { startEventTransport } from './events/startEventTransport';
import { createEngine } from './engine/createEngine';
import type { ImageEngine } from './engine/ImageEngine';
import { answerClientError } from './http/answerClientError';
import { createCorsPolicy } from './http/createCorsPolicy';
import { createApp } from './http/createApp';
import { createRateLimiter } from './http/createRateLimiter';
import type { Logger } from './logging/Logger';
import { listen } from './net/listen';
import { createConcurrencyLimiter } from './pipeline/createConcurrencyLimiter';
import { createDecodeBudget } from './util/createDecodeBudget';
import { createPipeline } from './pipeline/createPipeline';
import type { CouchStore } from './store/CouchStore';
import { createRequestStore } from './store/createRequestStore';
import { createInterruptedSweeper } from './store/createInterruptedSweeper';
import { createStoredEventHistory } from './store/createStoredEventHistory';
import { createResultsRouter } from './http/routes/resultsRouter';
import { CLOSE_CODES } from './ws/closeCodes';
import type { BroadcastWriter } from './ws/createBroadcastWriter';
import { createEventServer, type EventServer } from './ws/createEventServer';

export interface ServiceOverrides {
  engine?: ImageEngine;
  bus?: EventBus;
  /** A store to use instead of the one the config names (the caller closes it). */
  store?: CouchStore;
  /** How broadcasts are written to WebSocket clients (the benchmark's "before" variant). */
  broadcastWriter?: BroadcastWriter;
  /** A logger for the WebSocket server only (DEBUG=websocket:*). */
  wsLogger?: Logger;
  /** The clock, in ms, with which the WebSocket server ages requests gone silent. */
  wsNow?: () => number;
  /** Validate every event against its schema before it is published (tests). */
  validateEvents?: boolean;
  /**
   * Where the embedded database runs when COUCHDB_URL is unset, instead of `config.embeddedDb`
   * (tests run it in this process: it starts ~1 s faster than a forked one under ts-node).
   */
  embeddedStore?: Config['embeddedDb'];
}

export interface Service {
  readonly httpPort: number;
  readonly wsPort: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** This instance's bus: events published on it are broadcast and stored in the event log. */
  readonly bus: EventBus;
  readonly eventServer: EventServer;
  /**
   * Graceful stop: refuse new work, let in-flight requests finish (up to the shutdown
   * deadline), close WebSocket clients with 1001, flush the store. Idempotent.
   *
   * With `{ drain: false }` (after a crash, when in-flight work cannot be trusted to finish)
   * in-flight requests are stopped at once instead of awaited, as at the shutdown deadline;
   * the rest is the same, so writes still queued are stored or spooled. It also cuts short
   * a drain already under way.
   */
  close(options?: { drain?: boolean }): Promise<void>;
}

/** Starts the whole service; resolves once both ports are listening. */
export async function createService(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Promise<Service> {
  const version = readVersion();
  const bus =
    overrides.bus ??
    createEventBus({
      logger,
      validate: overrides.validateEvents,
      transport: await startEventTransport({ redisUrl: config.redisUrl, redisChannel: config.redisChannel, logger }),
    });
  // Upload checks and the engine's decodes draw on one budget, so together they stay within it.
  const decodeBudget = createDecodeBudget(config.maxImagePixels);
  const engine = overrides.engine ?? createEngine(config, logger, { decodeBudget });
  const releaseEngineAndBus = async () => {
    await engine.close();
    await bus.close();
  };
  // The database comes first: events are stored even when no WebSocket client listens.
  let storeHandle: Awaited<ReturnType<typeof createRequestStore>> | undefined;
  try {
    storeHandle = overrides.store
      ? undefined
      : await createRequestStore({
          couchdbUrl: config.couchdbUrl,
          dataDir: config.dataDir,
          // The store and the embedded server each bind their own `component`.
          logger,
          embedded: overrides.embeddedStore ?? config.embeddedDb,
          embeddedLogLevel: config.logLevel,
        });
  } catch (err) {
    await releaseEngineAndBus();
    throw err;
  }
  const store = overrides.store ?? (storeHandle as NonNullable<typeof storeHandle>).store;
  const closeStore = () => (storeHandle ? storeHandle.close() : Promise.resolve());
  // Only the events this instance publishes are stored here: another instance stores its own.
  const localBus = createRecordingBus(bus, (event) => store.appendEvent(event));
  // Longer than any live request can run (or go without an event), with time for its last writes and events.
  const longestRequestMs = config.requestTimeoutMs + 60_000;
  // Requests a killed or crashed server left `processing`: failed once no live request can be that old.
  const sweeper = createInterruptedSweeper({ store, graceMs: longestRequestMs, everyMs: 60_000, logger });
  void sweeper.sweep();
  let draining = false;
  // What is started before the servers listen, released in reverse if one cannot.
  const releaseCore = async () => {
    await sweeper.close();
    await closeStore();
    await releaseEngineAndBus();
  };

  let eventServer: EventServer;
  try {
    eventServer = await createEventServer({
      port: config.wsPort,
      host: config.host,
      bus,
      logger: overrides.wsLogger ?? logger.child({ component: 'websocket' }),
      authToken: config.wsAuthToken,
      allowedOrigins: config.wsAllowedOrigins,
      delivery: config.wsDelivery,
      heartbeatMs: config.wsHeartbeatMs,
      maxBufferedBytes: config.wsMaxBufferedBytes,
      maxPayloadBytes: config.wsMaxPayloadBytes,
      trustProxy: config.trustProxy,
      writer: overrides.broadcastWriter,
      staleRequestMs: longestRequestMs,
      now: overrides.wsNow,
      history: createStoredEventHistory(store),
    });
  } catch (err) {
    await releaseCore();
    throw err;
  }

  const limiter = createConcurrencyLimiter({ max: config.maxConcurrentRequests, maxQueue: config.maxQueuedRequests });
  const rateLimiter = config.rateLimitPerMinute > 0 ? createRateLimiter({ perMinute: config.rateLimitPerMinute }) : undefined;
  // Aborted when the shutdown deadline passes, so in-flight pipelines stop and answer.
  const shutdownDeadline = new AbortController();
  const heicDecoder = createHeicDecoder();
  const pipeline = createPipeline({
    engine,
    bus: localBus,
    store,
    logger,
    imageCount: config.imageCount,
    maxImagePixels: config.maxImagePixels,
    requestTimeoutMs: config.requestTimeoutMs,
    heicDecoder,
    decodeBudget,
  });
  const app = createApp({
    pipeline,
    limiter,
    heicDecoder,
    logger,
    engine: engine.name,
    version,
    eventServer,
    store,
    events: bus,
    isDraining: () => draining,
    rateLimit: rateLimiter?.middleware,
    shutdownSignal: shutdownDeadline.signal,
    maxUploadBytes: config.maxUploadBytes,
    uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
    corsOrigin: config.corsOrigin,
    trustProxy: config.trustProxy,
    testPagePath: findProjectFile('websocket-test.html'),
    // In subscribed delivery a request id is a capability: do not hand everyone the list.
    routers: [
      createResultsRouter({
        store,
        logger,
        listRequests: config.wsDelivery !== 'subscribed',
        listToken: config.wsAuthToken,
        inFlight: (id) => pipeline.inFlight(id),
      }),
    ],
  });

  const httpServer = http.createServer(app);
  // A client that sent `Expect: 100-continue` reaches the app without Node's immediate 100:
  // POST /process-image sends it when it reads the body, so a refusal comes before the upload.
  httpServer.on('checkContinue', app);
  // Any other expectation is refused by the app, as JSON (Node's own answer is a bare 417).
  httpServer.on('checkExpectation', app);
  // Slow-loris guards: a client must send its headers and body within these limits.
  httpServer.headersTimeout = 30_000;
  httpServer.requestTimeout = longestRequestMs;
  // Even what Node refuses before Express (a 20 KB URL, garbage bytes) is answered as JSON.
  const corsPolicy = createCorsPolicy(config.corsOrigin);
  httpServer.on('clientError', (err, socket) => answerClientError(err, socket, corsPolicy));
  let httpPort: number;
  try {
    httpPort = await listen(httpServer, config.httpPort, config.host, 'HTTP_PORT');
  } catch (err) {
    rateLimiter?.close();
    await eventServer.close();
    await releaseCore();
    throw err;
  }
  logger.info({ port: httpPort, engine: engine.name }, 'HTTP server listening');

  const loopback = (port: number, scheme: string) => `${scheme}://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  // Ends the drain early (a close without draining, possibly after one that drains).
  let stopDraining: () => void = () => undefined;
  const drainCut = new Promise<void>((resolve) => (stopDraining = resolve));

  return {
    httpPort,
    wsPort: eventServer.port,
    httpUrl: loopback(httpPort, 'http'),
    wsUrl: loopback(eventServer.port, 'ws'),
    // What is published on it is stored too, as the pipeline's events are.
    bus: localBus,
    eventServer,
    close(options = {}) {
      if (options.drain === false) stopDraining();
      closing ??= (async () => {
        // Keep listening while draining: new requests (and /health) get a quick 503 with
        // Connection: close, so load balancers see the drain instead of refused connections.
        draining = true;
        /** How waiting for the requests to finish ended: they did, the time ran out, or the drain was cut short. */
        const idleWithin = (ms: number, cut?: Promise<void>) =>
          new Promise<'idle' | 'shutdown deadline passed' | 'stopping without draining'>((resolve) => {
            const timer = setTimeout(() => resolve('shutdown deadline passed'), ms);
            timer.unref();
            void cut?.then(() => {
              clearTimeout(timer);
              const { running, queued } = limiter.stats();
              resolve(running + queued === 0 ? 'idle' : 'stopping without draining');
            });
            void limiter.whenIdle().then(() => {
              clearTimeout(timer);
              resolve('idle');
            });
          });
        const drained = await idleWithin(config.shutdownTimeoutMs, drainCut);
        if (drained !== 'idle') {
          logger.warn({ requests: limiter.stats() }, `${drained}; aborting in-flight requests`);
          shutdownDeadline.abort(new AppError('SHUTTING_DOWN', 'The server is shutting down; the request was stopped', { headers: { 'Retry-After': '5' } }));
          // Aborted pipelines record their failure and answer quickly; do not wait forever.
          if ((await idleWithin(5_000)) !== 'idle') {
            // A stage that ignores the abort (an uncancellable engine call) would otherwise leave its
            // client cut off with no answer, no processing_error, and its record `processing`.
            logger.warn({ requests: limiter.stats() }, 'requests still running after abort; answering them as stopped');
            void pipeline.abandonAll();
            if ((await idleWithin(5_000)) !== 'idle') logger.warn({ requests: limiter.stats() }, 'requests still running after abort');
          }
        }
        // Last answers get a moment to flush (their connections close once written); the rest is cut.
        const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const cut = setTimeout(() => httpServer.closeAllConnections(), 1_000);
        cut.unref();
        await httpClosed;
        clearTimeout(cut);
        rateLimiter?.close();
        await eventServer.close(CLOSE_CODES.GOING_AWAY);
        await releaseCore();
      })();
      return closing;
    },
  };
}

/** Finds a file at the repository root whether running from src/ (ts-node) or dist/src/. */
function findProjectFile(name: string): string | undefined {
  for (const dir of [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(path.join(dir, 'package.json'))) return candidate;
  }
  return undefined;
}

function readVersion(): string {
  const pkgPath = findProjectFile('package.json');
  try {
    return pkgPath ? (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string }).version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
