/**
 * Persistence end to end: the real service (local engine) with the CouchDB store, read back
 * through the results API (test/support/usePersistedService.ts has the wiring). Restarts and
 * database outages are in persistence.restart.test.ts.
 */
import { createHash } from 'node:crypto';
import nano from 'nano';
import request from 'supertest';
import sharp from 'sharp';
import type { PipelineEvent } from '../src/events/eventSchemas';
import { waitFor } from './store/support/storeTarget';
import { binaryBody } from './support/binaryBody';
import { usePersistedService, type ProcessedImage } from './support/usePersistedService';

jest.setTimeout(90_000);

describe('persistence of processed requests', () => {
  const fixture = usePersistedService();
  const { resultsApp, start } = fixture;

  it('reads a processed request back with every image byte-identical to the response, and its events in order', async () => {
    const running = await start();
    try {
      const emitted: PipelineEvent[] = [];
      running.service.bus.subscribe((event) => emitted.push(event));

      const res = await request(running.service.httpUrl).post('/process-image').attach('image', fixture.photo, 'photo.jpg').expect(200);
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
        upload: { size: fixture.photo.length, mimeType: 'image/jpeg', format: 'jpeg' },
      });
      for (const image of images) {
        const url = `/requests/${requestId}/images/${image.index}`;
        expect(stored.body.images).toContainEqual(expect.objectContaining({ index: image.index, url, durationMs: image.durationMs }));
        const bytes = await request(app).get(url).buffer(true).parse(binaryBody).expect(200);
        expect(bytes.headers['content-type']).toBe(image.mimeType);
        expect(Buffer.compare(bytes.body as Buffer, Buffer.from(image.imageData as string, 'base64'))).toBe(0);
      }
      const original = await request(app).get(`/requests/${requestId}/original`).buffer(true).parse(binaryBody).expect(200);
      expect(Buffer.compare(original.body as Buffer, fixture.photo)).toBe(0);

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
      const res = await request(running.service.httpUrl).post('/process-image').attach('image', fixture.photo, 'photo.jpg').expect(200);
      const { requestId } = res.body as { requestId: string };
      await waitFor(() => running.store.pendingWrites() === 0);

      // The documents as CouchDB holds them, read past the store.
      const couch = nano((await running.store.health()).url);
      const doc = await couch.db.use<Record<string, unknown>>('snatchshot_requests').get(requestId);
      const { width, height } = await sharp(fixture.photo).metadata();
      expect(doc.upload).toMatchObject({ size: fixture.photo.length, format: 'jpeg', width, height, sha256: createHash('sha256').update(fixture.photo).digest('hex') });
      const attachments = Object.values<{ length: number }>(doc._attachments ?? {});
      expect(attachments.map((a) => a.length).sort()).toEqual(
        [fixture.photo.length, ...(res.body.images as ProcessedImage[]).map((i) => Buffer.from(i.imageData as string, 'base64').length)].sort(),
      );
      const text = JSON.stringify(doc);
      for (const bytes of [fixture.photo.toString('base64'), ...(res.body.images as ProcessedImage[]).map((i) => i.imageData as string)]) {
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
    { name: 'a truncated JPEG', status: 422, code: 'INVALID_IMAGE', bytes: () => fixture.photo.subarray(0, Math.floor(fixture.photo.length / 2)) },
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

  it('stores a long file name with control characters cleaned and cut to 255 characters', async () => {
    const running = await start();
    try {
      const name = `${'long'.repeat(1000)}\t\u202E.jpg`;
      const res = await request(running.service.httpUrl).post('/process-image').attach('image', Buffer.from('not an image'), name).expect(415);
      const stored = await request(resultsApp(running.store)).get(`/requests/${res.body.requestId as string}`).expect(200);
      expect(stored.body.upload.originalName).toBe(`${'long'.repeat(1000).slice(0, 251)}.jpg`);
    } finally {
      await running.close();
    }
  });
});
