/**
 * A request answered to its client while its writes wait behind a database that refuses them:
 * reading it back must say "try again" (503), not "no such request" (404), and serve it once
 * the writes land. A proxy in front of the embedded server refuses the writes with 500 while
 * reads pass through.
 */
import fs from 'node:fs';
import express from 'express';
import request from 'supertest';
import { createErrorMiddleware } from '../../src/http/errorMiddleware';
import { createResultsRouter } from '../../src/http/routes/resultsRouter';
import { createLogger } from '../../src/logging/createLogger';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startForwardingProxy, type ForwardingProxy } from './support/startForwardingProxy';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';

const logger = createLogger({ level: 'silent' });

describe('reading a request whose writes are still queued', () => {
  let dataDir: string;
  let couch: EmbeddedCouch;
  let proxy: ForwardingProxy;
  let store: CouchStore;
  let refusing: boolean;

  beforeEach(async () => {
    dataDir = tempDataDir();
    couch = await startEmbeddedCouch({ dataDir, logger });
    refusing = false;
    proxy = await startForwardingProxy(couch.url, (req, res) => {
      if (!refusing || req.method !== 'PUT') return false;
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'unknown_error', reason: 'disk trouble' }));
      return true;
    });
    // Retried often enough that the writes land soon after the refusals stop, never given up.
    store = await createCouchStore({
      url: proxy.url,
      mode: 'external',
      logger: captureLogger(),
      dbPrefix: uniquePrefix(),
      retry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 1000 },
      closeTimeoutMs: 500,
    });
  });

  afterEach(async () => {
    await store.close();
    await proxy.close();
    await couch.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After for the request, its images and upload, not 404, until they are stored', async () => {
    const app = express();
    app.use(createResultsRouter({ store, logger }));
    app.use(createErrorMiddleware(logger));
    const lifecycle = makeLifecycle(makeRequestId());
    const id = lifecycle.started.requestId;

    refusing = true;
    // What the pipeline does before answering its client: both resolve once the writes are queued.
    await store.startRequest(lifecycle.started);
    await store.finishRequest(lifecycle.finished);
    expect(store.pendingWrites()).toBeGreaterThan(0);

    for (const path of [`/requests/${id}`, `/requests/${id}/images/1`, `/requests/${id}/original`, `/requests/${id}/events`]) {
      const answer = await request(app).get(path);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(answer.headers['retry-after']).toBe('5');
    }
    // A request this store knows nothing about is still simply not there.
    await request(app).get(`/requests/${makeRequestId()}`).expect(404);

    refusing = false;
    await waitFor(() => store.pendingWrites() === 0);
    expect((await request(app).get(`/requests/${id}`).expect(200)).body).toMatchObject({ status: 'completed', imagesGenerated: 3 });
    await request(app).get(`/requests/${id}/images/1`).expect(200);
    await request(app).get(`/requests/${id}/original`).expect(200);
  });
});
