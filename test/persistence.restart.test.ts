/**
 * Persistence across a stop: the same DATA_DIR after a restart, a request a killed server left
 * behind, and the database stopped under a running service (test/support/usePersistedService.ts
 * has the wiring).
 */
import path from 'node:path';
import request from 'supertest';
import { createCouchStore } from '../src/store/createCouchStore';
import { createRequestStore } from '../src/store/createRequestStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { waitFor } from './store/support/storeTarget';
import { binaryBody } from './support/binaryBody';
import { freePort } from './support/freePort';
import { startTestService } from './support/startTestService';
import { usePersistedService, type ProcessedImage } from './support/usePersistedService';

jest.setTimeout(90_000);

describe('persistence across restarts and database outages', () => {
  const fixture = usePersistedService();
  const { logger, resultsApp, start } = fixture;

  it('fails, on start, a request a killed server left processing once it is older than any live request can be', async () => {
    // What a server killed mid-request leaves: a start record and no terminal event.
    const before = await createRequestStore({ dataDir: fixture.dataDir, logger });
    const requestId = `req_${Date.now() - 5 * 60_000}_killedmid`;
    await before.store.startRequest({ requestId, engine: 'local', createdAt: new Date(Date.now() - 5 * 60_000).toISOString(), upload: { size: fixture.photo.length, format: 'jpeg', mimeType: 'image/jpeg', width: 1, height: 1, sha256: 'ab'.repeat(32) }, original: fixture.photo });
    await before.close();

    const handle = await createRequestStore({ dataDir: fixture.dataDir, logger });
    // REQUEST_TIMEOUT_MS + 60 s is under five minutes: no live request can be that old.
    const service = await startTestService({ ...fixture.env(), REQUEST_TIMEOUT_MS: '1000' }, { store: handle.store });
    try {
      const app = resultsApp(handle.store);
      await waitFor(async () => (await request(app).get(`/requests/${requestId}`)).body.status === 'failed');
      const stored = await request(app).get(`/requests/${requestId}`).expect(200);
      expect(stored.body.error).toMatchObject({ code: 'INTERRUPTED' });
    } finally {
      await service.close();
      await handle.close();
    }
  });

  it('keeps the data across a restart of the service with the same DATA_DIR', async () => {
    const first = await start();
    let requestId: string;
    let imageData: string;
    try {
      const res = await request(first.service.httpUrl).post('/process-image').attach('image', fixture.photo, 'photo.jpg').expect(200);
      requestId = res.body.requestId;
      imageData = (res.body.images as ProcessedImage[])[0].imageData as string;
    } finally {
      await first.close();
    }

    const second = await start();
    try {
      const app = resultsApp(second.store);
      await request(app).get(`/requests/${requestId}`).expect(200).expect((res) => expect(res.body.status).toBe('completed'));
      const bytes = await request(app).get(`/requests/${requestId}/images/1`).buffer(true).parse(binaryBody).expect(200);
      expect(Buffer.compare(bytes.body as Buffer, Buffer.from(imageData, 'base64'))).toBe(0);
      const log = await request(app).get(`/requests/${requestId}/events`).expect(200);
      expect(log.body.events.at(-1).type).toBe('processing_completed');
      const list = await request(app).get('/requests').expect(200);
      expect(list.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    } finally {
      await second.close();
    }
  });

  it('answers uploads while the database is stopped, reports it, and stores the queued writes when it returns', async () => {
    const port = await freePort();
    const couchDir = path.join(fixture.dataDir, 'couch');
    let couch: EmbeddedCouch | undefined = await startEmbeddedCouch({ dataDir: couchDir, port, logger });
    const store = await createCouchStore({
      url: couch.url,
      mode: 'embedded',
      logger,
      retry: { initialDelayMs: 20, maxDelayMs: 250 },
    });
    const service = await startTestService(fixture.env(), { store });
    try {
      const before = await request(service.httpUrl).post('/process-image').attach('image', fixture.photo, 'photo.jpg').expect(200);
      await waitFor(() => store.pendingWrites() === 0);
      expect((await request(service.httpUrl).get('/health').expect(200)).body).toMatchObject({ status: 'ok', database: { status: 'ok' } });

      await couch.close();
      couch = undefined;
      const during = await request(service.httpUrl).post('/process-image').attach('image', fixture.photo, 'photo.jpg').expect(200);
      expect(during.body).toMatchObject({ success: true, imagesGenerated: 2 });
      const duringId = during.body.requestId as string;

      const health = await request(service.httpUrl).get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'degraded', database: { reachable: false } });
      expect(health.body.database.pendingWrites).toBeGreaterThan(0);
      const dbHealth = await request(service.httpUrl).get('/db-health').expect(503);
      expect(dbHealth.body).toMatchObject({ mode: 'embedded', reachable: false });
      expect(JSON.stringify(dbHealth.body)).not.toMatch(/password|:[^/:@]+@/);
      await request(resultsApp(store)).get(`/requests/${duringId}`).expect(503);

      couch = await startEmbeddedCouch({ dataDir: couchDir, port, logger });
      await waitFor(() => store.pendingWrites() === 0);

      expect((await request(service.httpUrl).get('/health').expect(200)).body.status).toBe('ok');
      await request(service.httpUrl).get('/db-health').expect(200);
      const app = resultsApp(store);
      for (const id of [before.body.requestId as string, duringId]) {
        const stored = await request(app).get(`/requests/${id}`).expect(200);
        expect(stored.body).toMatchObject({ status: 'completed', imagesGenerated: 2 });
      }
      const image = await request(app).get(`/requests/${duringId}/images/2`).buffer(true).parse(binaryBody).expect(200);
      const sent = (during.body.images as ProcessedImage[]).find((i) => i.index === 2)?.imageData as string;
      expect(Buffer.compare(image.body as Buffer, Buffer.from(sent, 'base64'))).toBe(0);
      const log = await request(app).get(`/requests/${duringId}/events`).expect(200);
      expect(log.body.events[0].type).toBe('processing_started');
      expect(log.body.events.at(-1).type).toBe('processing_completed');
    } finally {
      await service.close();
      await couch?.close();
    }
  });
});
