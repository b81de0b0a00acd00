import { Router } from 'express';
import type { HeicDecoder } from '../../domain/heic/createHeicDecoder';
import type { EngineName } from '../../engine/ImageEngine';
import type { EventTransportHealth } from '../../events/EventTransport';
import type { ConcurrencyLimiter } from '../../pipeline/createConcurrencyLimiter';
import type { RequestStore, StoreHealth } from '../../store/RequestStore';
import type { EventServer } from '../../ws/createEventServer';
import { rejectOtherMethods } from '../rejectOtherMethods';
import { errorMessage } from '../../util/errorMessage';

export interface HealthDeps {
  engine: EngineName;
  version: string;
  eventServer: Pick<EventServer, 'stats'>;
  limiter: ConcurrencyLimiter;
  store?: Pick<RequestStore, 'health'>;
  /** The EventBus: which transport carries events between instances, and whether it reaches them. */
  events?: { health(): EventTransportHealth };
  /** HEIC photos decoding and waiting to (reported as `heicDecodes`). */
  heicDecoder?: Pick<HeicDecoder, 'active' | 'waiting'>;
  /** True while shutting down: health answers 503 so load balancers stop sending work. */
  isDraining: () => boolean;
}

/** `GET /health`, `GET /ws-health`, `GET /db-health` (SPEC §3). */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  // A health answer is a reading of this instance now: a proxy or app cache must never replay one.
  router.use(['/health', '/ws-health', '/db-health'], (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const databaseHealth = async (): Promise<StoreHealth | { status: 'disabled' } | { status: 'error'; error: string }> => {
    if (!deps.store) return { status: 'disabled' };
    try {
      return await deps.store.health();
    } catch (err) {
      // A store should report trouble, not throw; if one does, say only what is known.
      return { status: 'error', error: errorMessage(err) };
    }
  };

  router.get('/health', async (_req, res) => {
    const ws = deps.eventServer.stats();
    const database = await databaseHealth();
    const draining = deps.isDraining();
    const events: EventTransportHealth = deps.events?.health() ?? { transport: 'in-process', status: 'ok' };
    // Redis down costs other instances' clients this instance's events, never a request: degraded.
    const status =
      draining || ws.status !== 'running'
        ? 'error'
        : (database.status === 'ok' || database.status === 'disabled') && events.status === 'ok'
          ? 'ok'
          : 'degraded';
    res.status(status === 'error' ? 503 : 200).json({
      status,
      initialized: true,
      draining,
      engine: deps.engine,
      database,
      websocket: { status: ws.status, connections: ws.connections, port: ws.port },
      events,
      requests: deps.limiter.stats(),
      ...(deps.heicDecoder ? { heicDecodes: { active: deps.heicDecoder.active, waiting: deps.heicDecoder.waiting } } : {}),
      uptime: Math.round(process.uptime() * 10) / 10,
      version: deps.version,
      timestamp: new Date().toISOString(),
    });
  });

  router.get('/ws-health', (_req, res) => {
    const ws = deps.eventServer.stats();
    res.status(ws.status === 'running' ? 200 : 503).json({
      status: ws.status === 'running' ? 'ok' : 'error',
      server: ws.status,
      port: ws.port,
      connections: ws.connections,
      activeRequests: ws.activeRequests,
      subscriptions: ws.subscriptions,
      eventsBroadcast: ws.eventsBroadcast,
      messagesSent: ws.messagesSent,
      slowConsumersClosed: ws.slowConsumersClosed,
      interruptedRequests: ws.interruptedRequests,
      timestamp: new Date().toISOString(),
    });
  });

  router.get('/db-health', async (_req, res) => {
    const database = await databaseHealth();
    res.status(database.status === 'error' || database.status === 'disabled' ? 503 : 200).json({ ...database, timestamp: new Date().toISOString() });
  });

  router.all(['/health', '/ws-health', '/db-health'], rejectOtherMethods('GET'));
  return router;
}
