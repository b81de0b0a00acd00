/**
 * Persistence end to end: the real service (local engine) with the CouchDB store, read back
 * through the results API. The store is handed to the service as an override and the results
 * router is mounted on a small app beside it (see docs/persistence.md for the wiring).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import nano from 'nano';
import request from 'supertest';
import sharp from 'sharp';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { createErrorMiddleware } from '../src/http/errorMiddleware';
import { createResultsRouter } from '../src/http/routes/resultsRouter';
import { createLogger } from '../src/logging/createLogger';
import { createCouchStore } from '../src/store/createCouchStore';
import { createRequestStore } from '../src/store/createRequestStore';
import type { CouchStore } from '../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { realPhotoJpeg } from './support/images';
import { startTestService, type TestService } from './support/startTestService';
import { waitFor } from './store/support/storeTarget';
import { freePort } from './support/freePort';
import { binaryBody } from './support/binaryBody';

jest.setTimeout(90_000);

const logger = createLogger({ level: 'silent' });
const env = (dataDir: string) => ({ DATA_DIR: dataDir, IMAGE_COUNT: '2' });

function resultsApp(store: CouchStore): express.Express {
  const app = express();
  app.use(createResultsRouter({ store, logger }));
  app.use(createErrorMiddleware(logger));
  return app;
}

interface ProcessedImage {
  index: number;
  durationMs?: number;
  imageData?: string;
  mimeType?: string;
}

describe('persistence of processed requests', () => {
  let dataDir: string;
  let photo: Buffer;

  beforeAll(async () => {
    photo = await realPhotoJpeg();
  });

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-persist-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The service with the store over DATA_DIR (embedded mode), as the service wiring would build it. */
  async function start(): Promise<{ service: TestService; store: CouchStore; close(): Promise<void> }> {
    const handle = await createRequestStore({ dataDir, logger });
    const service = await startTestService(env(dataDir), { store: handle.store });
    return {
      service,
      store: handle.store,
      async close() {
        await service.close();
        await handle.close();
      },
    };
  }

  it('reads a processed request back with every image byte-identical to the response, and its events in order', async () => {
    const running = await start();
    try {
      const emitted: PipelineEvent[] = [];
      running.service.bus.subscribe((event) => emitted.push(event));

      const res = await request(running.service.httpUrl).post('/process-image').attach('image', photo, 'photo.jpg').expect(200);
      const { requestId } = res.body as { requestId: string };
      const images = res.body.images as ProcessedImage[];
      expect(images.filter((image) => image.imageData)).toHaveLength(2);

      // The result is stored before the response; events are written behind it.
      const app = resultsApp(running.store);
      const stored = await request(app).get(`/requests/${requestId}`).expect(200);
      expect(stored.body).toMatchObject({
        requestId,
        status: 'completed',
        engine: 'local',
        imagesGenerated: res.body.imagesGenerated,
        totalTime: res.body.totalTime,
        settings: res.body.settings,
        analysis: res.body.analysis,
        upload: { size: photo.length, mimeType: 'image/jpeg', format: 'jpeg' },
      });
      for (const image of images) {
        const url = `/requests/${requestId}/images/${image.index}`;
        expect(stored.body.images).toContainEqual(expect.objectContaining({ index: image.index, url, durationMs: image.durationMs }));
        const bytes = await request(app).get(url).buffer(true).parse(binaryBody).expect(200);
        expect(bytes.headers['content-type']).toBe(image.mimeType);
        expect(Buffer.compare(bytes.body as Buffer, Buffer.from(image.imageData as string, 'base64'))).toBe(0);
      }
      const original = await request(app).get(`/requests/${requestId}/original`).buffer(true).parse(binaryBody).expect(200);
      expect(Buffer.compare(original.body as Buffer, photo)).toBe(0);

      await waitFor(() => running.store.pendingWrites() === 0);
      const log = await request(app).get(`/requests/${requestId}/events`).expect(200);
      const mine = emitted.filter((event) => event.requestId === requestId);
      expect(log.body.events.map((event: PipelineEvent) => event.type)).toEqual(mine.map((event) => event.type));
      expect(log.body.events).toEqual(
        mine.map((event) => {
          const { imageData: _bytes, ...rest } = event as PipelineEvent & { imageData?: string };
          return rest;
        }),
      );
      expect(log.text).not.toContain('imageData');
    } finally {
      await running.close();
    }
  });

  it('keeps the photo and images as attachments of a request document that records the upload (size, format, dimensions, sha256), and logs events with no WebSocket client connected', async () => {
    const running = await start();
    try {
      const res = await request(running.service.httpUrl).post('/process-image').attach('image', photo, 'photo.jpg').expect(200);
      const { requestId } = res.body as { requestId: string };
      await waitFor(() => running.store.pendingWrites() === 0);

      // The documents as CouchDB holds them, read past the store.
      const couch = nano((await running.store.health()).url);
      const doc = await couch.db.use<Record<string, unknown>>('snatchshot_requests').get(requestId);
      const { width, height } = await sharp(photo).metadata();
      expect(doc.upload).toMatchObject({ size: photo.length, format: 'jpeg', width, height, sha256: createHash('sha256').update(photo).digest('hex') });
      const attachments = Object.values<{ length: number }>(doc._attachments ?? {});
      expect(attachments.map((a) => a.length).sort()).toEqual(
        [photo.length, ...(res.body.images as ProcessedImage[]).map((i) => Buffer.from(i.imageData as string, 'base64').length)].sort(),
      );
      const text = JSON.stringify(doc);
      for (const bytes of [photo.toString('base64'), ...(res.body.images as ProcessedImage[]).map((i) => i.imageData as string)]) {
        expect(text).not.toContain(bytes.slice(0, 64));
      }

      const events = await couch.db.use<Record<string, unknown>>('snatchshot_events').list({ include_docs: true, startkey: `${requestId}:`, endkey: `${requestId}:\ufff0` });
      const types = events.rows.map((row) => row.doc?.eventType);
      expect(types[0]).toBe('processing_started');
      expect(types.at(-1)).toBe('processing_completed');
      expect(types.filter((t) => t === 'individual_image_completed')).toHaveLength(2);
      expect(JSON.stringify(events.rows)).not.toContain('imageData');
    } finally {
      await running.close();
    }
  });

  it.each([
    { name: 'garbage bytes', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', bytes: () => Buffer.from('not a photo at all\n'.repeat(200)) },
    { name: 'a truncated JPEG', status: 422, code: 'INVALID_IMAGE', bytes: () => photo.subarray(0, Math.floor(photo.length / 2)) },
  ])('stores an upload of $name rejected with $status as a failed request that GET /requests/:id answers, and lists it', async ({ status, code, bytes }) => {
    const running = await start();
    try {
      const upload = bytes();
      const res = await request(running.service.httpUrl).post('/process-image').attach('image', upload, 'photo.jpg').expect(status);
      const { requestId } = res.body as { requestId: string };
      expect(res.body.error.code).toBe(code);

      // Stored before the rejection is answered, like a completed result.
      const app = resultsApp(running.store);
      const stored = await request(app).get(`/requests/${requestId}`).expect(200);
      expect(stored.body).toMatchObject({
        requestId,
        status: 'failed',
        engine: 'local',
        createdAt: expect.any(String),
        completedAt: expect.any(String),
        totalTime: expect.any(String),
        imagesGenerated: 0,
        images: [],
        error: { code, message: res.body.error.message, stage: 'validation' },
        upload: { size: upload.length, sha256: createHash('sha256').update(upload).digest('hex'), originalName: 'photo.jpg' },
      });
      // The rejected bytes are not kept.
      expect(stored.body.upload.url).toBeUndefined();
      await request(app).get(`/requests/${requestId}/original`).expect(404);

      await waitFor(() => running.store.pendingWrites() === 0);
      const log = await request(app).get(`/requests/${requestId}/events`).expect(200);
      expect(log.body.events.map((event: PipelineEvent) => event.type)).toEqual(['processing_started', 'processing_error']);
      const failed = await request(app).get('/requests?status=failed').expect(200);
      expect(failed.body.requests).toEqual([expect.objectContaining({ requestId, status: 'failed', engine: 'local', imagesGenerated: 0 })]);
      const all = await request(app).get('/requests').expect(200);
      expect(all.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    } finally {
      await running.close();
    }
  });

  it('stores a non-ASCII file name as the client sent it (raw UTF-8, as browsers and curl send it)', async () => {
    const running = await start();
    try {
      const name = 'фото café 写真.jpg';
      const res = await request(running.service.httpUrl).post('/process-image').attach('image', Buffer.from('not an image'), name).expect(415);
      const stored = await request(resultsApp(running.store)).get(`/requests/${res.body.requestId as string}`).expect(200);
      expect(stored.body.upload.originalName).toBe(name);
    } finally {
      await running.close();
    }
  });

  it('fails, on start, a request a killed server left processing once it is older than any live request can be', async () => {
    // What a server killed mid-request leaves: a start record and no terminal event.
    const before = await createRequestStore({ dataDir, logger });
    const requestId = `req_${Date.now() - 5 * 60_000}_killedmid`;
    await before.store.startRequest({ requestId, engine: 'local', createdAt: new Date(Date.now() - 5 * 60_000).toISOString(), upload: { size: photo.length, format: 'jpeg', mimeType: 'image/jpeg', width: 1, height: 1, sha256: 'ab'.repeat(32) }, original: photo });
    await before.close();

    const handle = await createRequestStore({ dataDir, logger });
    // REQUEST_TIMEOUT_MS + 60 s is under five minutes: no live request can be that old.
    const service = await startTestService({ ...env(dataDir), REQUEST_TIMEOUT_MS: '1000' }, { store: handle.store });
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
      const res = await request(first.service.httpUrl).post('/process-image').attach('image', photo, 'photo.jpg').expect(200);
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
    const couchDir = path.join(dataDir, 'couch');
    let couch: EmbeddedCouch | undefined = await startEmbeddedCouch({ dataDir: couchDir, port, logger });
    const store = await createCouchStore({
      url: couch.url,
      mode: 'embedded',
      logger,
      retry: { initialDelayMs: 20, maxDelayMs: 250 },
    });
    const service = await startTestService(env(dataDir), { store });
    try {
      const before = await request(service.httpUrl).post('/process-image').attach('image', photo, 'photo.jpg').expect(200);
      await waitFor(() => store.pendingWrites() === 0);
      expect((await request(service.httpUrl).get('/health').expect(200)).body).toMatchObject({ status: 'ok', database: { status: 'ok' } });

      await couch.close();
      couch = undefined;
      const during = await request(service.httpUrl).post('/process-image').attach('image', photo, 'photo.jpg').expect(200);
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
