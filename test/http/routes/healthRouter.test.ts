/**
 * The health router on its own: with a store that breaks its contract by throwing, the answer
 * says what is known and invents no database mode or address; with no store the database
 * check fails while the service stays healthy; HEIC decodes are counted; no answer may be cached.
 * Then /db-health of the real service, embedded and through COUCHDB_URL: every field SPEC §3 names.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createHeicDecoder } from '../../../src/domain/heic/createHeicDecoder';
import { createHealthRouter, type HealthDeps } from '../../../src/http/routes/healthRouter';
import { createConcurrencyLimiter } from '../../../src/pipeline/createConcurrencyLimiter';
import { createLogger } from '../../../src/logging/createLogger';
import { startEmbeddedCouch } from '../../../src/store/startEmbeddedCouch';
import { HEVC_HEIC_FIXTURE } from '../../support/images';
import { startTestService } from '../../support/startTestService';

/** An app serving only the health router, with a running WebSocket server and `deps` on top. */
function healthApp(deps: Partial<HealthDeps>): express.Express {
  return express().use(
    createHealthRouter({
      engine: 'local',
      version: '0.0.0-test',
      eventServer: { stats: () => ({ status: 'running', port: 4001, connections: 0, activeRequests: 0, subscriptions: 0, eventsBroadcast: 0, messagesSent: 0, slowConsumersClosed: 0, interruptedRequests: 0 }) },
      limiter: createConcurrencyLimiter({ max: 1, maxQueue: 0 }),
      isDraining: () => false,
      ...deps,
    }),
  );
}

describe('createHealthRouter', () => {
  const app = healthApp({ store: { health: () => Promise.reject(new Error('store exploded')) } });

  it('reports a store whose health check throws as an error, without a made-up mode or url', async () => {
    const db = await request(app).get('/db-health').expect(503);
    expect(db.body).toEqual({ status: 'error', error: 'store exploded', timestamp: expect.any(String) });
    const health = await request(app).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'degraded', database: { status: 'error', error: 'store exploded' } });
    expect(health.body.database).not.toHaveProperty('mode');
  });

  it('answers /db-health with 503 "disabled" when there is no store, while /health stays ok', async () => {
    const noStore = healthApp({});
    const db = await request(noStore).get('/db-health').expect(503);
    expect(db.body).toEqual({ status: 'disabled', timestamp: expect.any(String) });
    const health = await request(noStore).get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { status: 'disabled' } });
  });

  it('reports HEIC photos decoding and waiting, while they are', async () => {
    const heicDecoder = createHeicDecoder({ maxConcurrent: 1 });
    const withDecoder = healthApp({ heicDecoder });
    const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);
    const decodes = [heicDecoder.decode(heic), heicDecoder.decode(heic)];
    await new Promise((resolve) => setImmediate(resolve));
    const busy = await request(withDecoder).get('/health').expect(200);
    expect(busy.body.heicDecodes).toEqual({ active: 1, waiting: 1 });
    await Promise.all(decodes);
    const idle = await request(withDecoder).get('/health').expect(200);
    expect(idle.body.heicDecodes).toEqual({ active: 0, waiting: 0 });
  });

  it('says status error (503) while draining or when the WebSocket server is not running, naming the WebSocket status', async () => {
    const draining = await request(healthApp({ isDraining: () => true })).get('/health').expect(503);
    expect(draining.body).toMatchObject({ status: 'error', draining: true, initialized: true, engine: 'local', version: '0.0.0-test' });
    const stopped: HealthDeps['eventServer'] = { stats: () => ({ status: 'closed', port: 4001, connections: 0, activeRequests: 0, subscriptions: 0, eventsBroadcast: 0, messagesSent: 0, slowConsumersClosed: 0, interruptedRequests: 0 }) };
    const wsDown = await request(healthApp({ eventServer: stopped })).get('/health').expect(503);
    expect(wsDown.body).toMatchObject({ status: 'error', websocket: { status: 'closed', connections: 0 } });
    expect((await request(healthApp({ eventServer: stopped })).get('/ws-health').expect(503)).body.status).toBe('error');
  });

  it('tells proxies and apps never to store a health answer, whether it says ok, error or draining', async () => {
    const draining = healthApp({ isDraining: () => true });
    const answers = [
      await request(healthApp({})).get('/health').expect(200),
      await request(healthApp({})).get('/ws-health').expect(200),
      await request(app).get('/db-health').expect(503),
      await request(draining).get('/health').expect(503),
      await request(draining).head('/ws-health').expect(200),
    ];
    for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /db-health on the real service (SPEC §3)', () => {
  const databases = {
    requests: { name: 'snatchshot_requests', docCount: expect.any(Number) },
    events: { name: 'snatchshot_events', docCount: expect.any(Number) },
  };

  it('names the embedded server: status, loopback url, mode, both databases and the server version', async () => {
    const service = await startTestService();
    try {
      const db = await request(service.httpUrl).get('/db-health').expect(200);
      expect(db.body).toMatchObject({ status: 'ok', mode: 'embedded', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), databases, version: expect.stringMatching(/\d+\.\d+/) });
    } finally {
      await service.close();
    }
  });

  it('names a COUCHDB_URL server with its credentials redacted, mode external, both databases and the server version', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-dbhealth-'));
    const couch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
    const { host } = new URL(couch.url);
    const service = await startTestService({ COUCHDB_URL: `http://dbadmin:Sup3rSecret@${host}` });
    try {
      const db = await request(service.httpUrl).get('/db-health').expect(200);
      expect(db.body).toMatchObject({ status: 'ok', mode: 'external', url: `http://***:***@${host}`, databases, version: expect.stringMatching(/\d+\.\d+/) });
      const health = await request(service.httpUrl).get('/health').expect(200);
      expect(health.body.database).toMatchObject({ status: 'ok', mode: 'external' });
      for (const answer of [db, health]) expect(answer.text).not.toMatch(/dbadmin|Sup3rSecret/);
    } finally {
      await service.close();
      await couch.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
