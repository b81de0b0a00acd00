/**
 * The results API over a real store on a real CouchDB-compatible server, through supertest,
 * with the app's error middleware rendering its failures.
 */
import { FIXTURE_PHOTO } from '../../support/images';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import sharp from 'sharp';
import { createResultsRouter, type ResultsRouterDeps } from '../../../src/http/routes/resultsRouter';
import { createErrorMiddleware } from '../../../src/http/errorMiddleware';
import { createCouchStore } from '../../../src/store/createCouchStore';
import { StoreError } from '../../../src/store/StoreError';
import type { CouchStore } from '../../../src/store/CouchStore';
import { captureLogger } from '../../support/captureLogger';
import { makeLifecycle, makeRequestId, type Lifecycle } from '../../store/support/lifecycle';
import { startStoreTarget, uniquePrefix, waitFor, type StoreTarget } from '../../store/support/storeTarget';
import { freePort } from '../../support/freePort';
import { binaryBody } from '../../support/binaryBody';

const FIXTURE = FIXTURE_PHOTO;

function appFor(
  store: Pick<CouchStore, 'getRequest' | 'getImage' | 'getOriginal' | 'getEvents' | 'listRequests'>,
  inFlight?: ResultsRouterDeps['inFlight'],
  listToken?: string,
) {
  const app = express();
  app.use(createResultsRouter({ store, inFlight, listToken, logger: captureLogger() }));
  app.use(createErrorMiddleware(captureLogger()));
  return app;
}

describe('results API', () => {
  let target: StoreTarget;
  let store: CouchStore;
  let app: express.Express;
  let lifecycle: Lifecycle;
  let id: string;
  let jpeg: Buffer;
  let original: Buffer;

  beforeAll(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger: captureLogger(), dbPrefix: target.dbPrefix });
    app = appFor(store);
    original = fs.readFileSync(FIXTURE);
    jpeg = await sharp(original).resize(256).jpeg().toBuffer();
    id = makeRequestId(Date.now() - 10_000);
    lifecycle = makeLifecycle(id, { original, images: [jpeg, Buffer.from(jpeg).reverse(), jpeg], failLast: true });
    await store.startRequest(lifecycle.started);
    for (const event of lifecycle.events) store.appendEvent(event);
    await store.finishRequest(lifecycle.finished);
    await waitFor(() => store.pendingWrites() === 0);
  });

  afterAll(async () => {
    await store.close();
    await target.close();
  });

  it('GET /requests/:id answers the stored result with image URLs instead of bytes', async () => {
    const res = await request(app).get(`/requests/${id}`).expect(200).expect('Content-Type', /json/);
    expect(res.body).toMatchObject({
      success: true,
      requestId: id,
      status: 'completed',
      engine: 'local',
      settings: lifecycle.finished.settings,
      analysis: lifecycle.finished.analysis,
      imagesGenerated: 2,
      totalTime: '21.00',
      timings: lifecycle.finished.timings,
      upload: { ...lifecycle.started.upload, url: `/requests/${id}/original` },
      links: { self: `/requests/${id}`, events: `/requests/${id}/events` },
    });
    expect(res.body.images).toEqual([
      { index: 1, title: 'Edit 1', status: 'completed', mimeType: 'image/jpeg', width: 64, height: 48, size: jpeg.length, url: `/requests/${id}/images/1` },
      expect.objectContaining({ index: 2, status: 'completed', url: `/requests/${id}/images/2` }),
      { index: 3, title: 'Edit 3', status: 'failed', error: 'upstream timeout' },
    ]);
    expect(res.text).not.toContain('imageData');
    expect(res.text.length).toBeLessThan(jpeg.length);
  });

  it('GET /requests/:id/images/:index serves the exact bytes with type, length, validator and immutable caching', async () => {
    const res = await request(app).get(`/requests/${id}/images/1`).buffer(true).parse(binaryBody).expect(200);
    expect(Buffer.compare(res.body as Buffer, jpeg)).toBe(0);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['content-length']).toBe(String(jpeg.length));
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(res.headers.etag).toBe(`"${createHash('sha256').update(jpeg).digest('hex')}"`);

    const second = await request(app).get(`/requests/${id}/images/2`).buffer(true).parse(binaryBody).expect(200);
    expect(Buffer.compare(second.body as Buffer, Buffer.from(jpeg).reverse())).toBe(0);
  });

  it('answers 304 to a matching If-None-Match, and HEAD without a body', async () => {
    const first = await request(app).get(`/requests/${id}/images/1`).expect(200);
    await request(app).get(`/requests/${id}/images/1`).set('If-None-Match', first.headers.etag).expect(304);
    const head = await request(app).head(`/requests/${id}/images/1`).expect(200);
    expect(head.headers['content-length']).toBe(String(jpeg.length));
  });

  it('GET /requests/:id/original serves the uploaded bytes', async () => {
    const res = await request(app).get(`/requests/${id}/original`).buffer(true).parse(binaryBody).expect(200);
    expect(Buffer.compare(res.body as Buffer, original)).toBe(0);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers.etag).toBe(`"${lifecycle.started.upload.sha256}"`);
  });

  it('serves one byte range of an image and of the upload with 206 (the rules: test/http/sendBinary.test.ts)', async () => {
    const image = await request(app).get(`/requests/${id}/images/1`).set('Range', 'bytes=0-9').buffer(true).parse(binaryBody).expect(206);
    expect(Buffer.compare(image.body as Buffer, jpeg.subarray(0, 10))).toBe(0);
    expect(image.headers['content-range']).toBe(`bytes 0-9/${jpeg.length}`);
    const upload = await request(app).get(`/requests/${id}/original`).set('Range', 'bytes=8-15').buffer(true).parse(binaryBody).expect(206);
    expect(Buffer.compare(upload.body as Buffer, original.subarray(8, 16))).toBe(0);
    expect(upload.headers['content-range']).toBe(`bytes 8-15/${original.length}`);
    expect((await request(app).get(`/requests/${id}/original`).expect(200)).headers['accept-ranges']).toBe('bytes');
    const past = await request(app).get(`/requests/${id}/original`).set('Range', `bytes=${original.length}-`).expect(416);
    expect(past.body.error.code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('GET /requests/:id/events answers the log in order without image bytes', async () => {
    const res = await request(app).get(`/requests/${id}/events`).expect(200);
    expect(res.body.count).toBe(lifecycle.events.length);
    expect(res.body.events.map((event: { type: string }) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
    expect(res.text).not.toContain('imageData');
  });

  it('GET /requests lists newest first with a cursor, and filters by status', async () => {
    const newer = makeLifecycle(makeRequestId());
    await store.startRequest(newer.started);
    await waitFor(() => store.pendingWrites() === 0);

    const first = await request(app).get('/requests?limit=1').expect(200);
    expect(first.body.requests).toEqual([expect.objectContaining({ requestId: newer.started.requestId, status: 'processing', url: `/requests/${newer.started.requestId}` })]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(app).get('/requests').query({ limit: 1, cursor: first.body.nextCursor }).expect(200);
    expect(second.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([id]);
    expect(second.body.nextCursor).toBeNull();

    const completed = await request(app).get('/requests?status=completed').expect(200);
    expect(completed.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([id]);
  });

  it('reads blank listing parameters as not given, so the README\'s /requests?status=&limit=&cursor= is the first page of everything', async () => {
    const plain = await request(app).get('/requests').expect(200);
    const blank = await request(app).get('/requests?status=&limit=&cursor=').expect(200);
    expect(blank.body).toEqual(plain.body);
  });

  it('answers 401 UNAUTHORIZED to a listing without the token when one is set, and lists for Bearer or ?token=', async () => {
    const guarded = appFor(store, undefined, 'list-secret');
    for (const refused of [
      request(guarded).get('/requests'),
      request(guarded).get('/requests?token=list-secre'),
      request(guarded).get('/requests').set('Authorization', 'Bearer wrong'),
    ]) {
      const res = await refused.expect(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/WS_AUTH_TOKEN/) });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const bearer = await request(guarded).get('/requests').set('Authorization', 'bearer list-secret').expect(200);
    const query = await request(guarded).get('/requests?token=list-secret&status=completed').expect(200);
    expect(query.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([id]);
    expect(bearer.body.requests.map((r: { requestId: string }) => r.requestId)).toContain(id);
    // Reads by id are for whoever holds the id: its uploader needs no token.
    await request(guarded).get(`/requests/${id}`).expect(200);
    await request(guarded).get(`/requests/${id}/images/1`).expect(200);
  });

  it('marks the JSON answers private, no-cache: revalidated by the client, never kept by a shared cache', async () => {
    for (const url of ['/requests', `/requests/${id}`, `/requests/${id}/events`]) {
      const res = await request(app).get(url).expect(200);
      expect([url, res.headers['cache-control']]).toEqual([url, 'private, no-cache']);
    }
  });

  it('answers 400 MALFORMED_REQUEST to an issued cursor with stray characters, instead of reading the page it names', async () => {
    const issued = (await request(app).get('/requests?limit=1').expect(200)).body.nextCursor as string;
    await request(app).get('/requests').query({ limit: 1, cursor: issued }).expect(200);
    for (const cursor of [`${issued}!!`, `*${issued}`, `${issued.slice(0, 8)}.${issued.slice(8)}`, `${issued}=`]) {
      const res = await request(app).get('/requests').query({ limit: 1, cursor }).expect(400);
      expect([cursor, res.body.error.code]).toEqual([cursor, 'MALFORMED_REQUEST']);
    }
  });

  it('answers a well-formed cursor past the oldest request with an empty last page, not the first page', async () => {
    const pastTheEnd = 'req_0000000000001_000000000';
    for (const status of [undefined, 'completed', 'processing'] as const) {
      const cursor = Buffer.from(JSON.stringify({ id: pastTheEnd, s: status ?? null })).toString('base64url');
      const res = await request(app).get('/requests').query({ limit: 5, cursor, ...(status ? { status } : {}) }).expect(200);
      expect(res.body).toEqual({ success: true, requests: [], nextCursor: null });
    }
  });

  it.each([
    ['a malformed id', '/requests/not-an-id'],
    ['a design document path', '/requests/_design'],
    ['an id with a suffix', `/requests/req_1758260128188_zfubq1yiv0`],
    ['image index 0', `/requests/req_1758260128188_zfubq1yiv/images/0`],
    ['a non-numeric image index', `/requests/req_1758260128188_zfubq1yiv/images/one`],
  ])('answers 400 INVALID_ID for %s', async (_name, url) => {
    const res = await request(app).get(url).expect(400);
    expect(res.body.error.code).toBe('INVALID_ID');
  });

  it.each([
    ['an unknown request', () => `/requests/${makeRequestId()}`],
    ['an image it does not have', () => `/requests/${id}/images/3`],
    ['an image index past the end', () => `/requests/${id}/images/9`],
    ['an image index no request can have', () => `/requests/${id}/images/9999`],
    ['an image index past the safe integers', () => `/requests/${id}/images/${'9'.repeat(40)}`],
    ['the upload of an unknown request', () => `/requests/${makeRequestId()}/original`],
    ['the events of an unknown request', () => `/requests/${makeRequestId()}/events`],
  ])('answers 404 NOT_FOUND for %s', async (_name, url) => {
    const res = await request(app).get(url()).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('names a missing image by the index the client sent, not its float rendering', async () => {
    const huge = '9'.repeat(40);
    const res = await request(app).get(`/requests/${id}/images/${huge}`).expect(404);
    expect(res.body.error.message).toBe(`Image ${huge} of request ${id} not found`);
  });

  it('answers a request still being processed here, before its record is stored, as processing', async () => {
    const live = makeRequestId();
    const createdAt = new Date().toISOString();
    const withLive = appFor(store, (requestId) => (requestId === live ? { requestId, engine: 'local', createdAt } : undefined));
    const res = await request(withLive).get(`/requests/${live}`).expect(200);
    expect(res.body).toMatchObject({ success: true, requestId: live, status: 'processing', engine: 'local', createdAt, images: [] });
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect((await request(withLive).get(`/requests/${live}/events`).expect(200)).body).toMatchObject({ requestId: live, count: 0, events: [] });
    // Others are still unknown, and a stored record wins over the live one.
    await request(withLive).get(`/requests/${makeRequestId()}`).expect(404);
    // A database outage does not hide it either (others get the 503).
    const down = { ...store, getRequest: () => Promise.reject(new StoreError('unavailable', 'database did not answer')) };
    const liveWhileDown = appFor(down, (requestId) => (requestId === live ? { requestId, engine: 'local', createdAt } : undefined));
    expect((await request(liveWhileDown).get(`/requests/${live}`).expect(200)).body).toMatchObject({ status: 'processing' });
    await request(liveWhileDown).get(`/requests/${id}`).expect(503);
    const storedToo = appFor(store, (requestId) => ({ requestId, engine: 'gemini', createdAt }));
    expect((await request(storedToo).get(`/requests/${id}`).expect(200)).body).toMatchObject({ status: 'completed', engine: 'local' });
  });

  it.each([
    ['limit=0', 'limit=0'],
    ['limit=101', 'limit=101'],
    ['limit=abc', 'limit=abc'],
    ['limit=2.5', 'limit=2.5'],
    ['an unknown status', 'status=done'],
    ['a repeated status', 'status=completed&status=failed'],
    ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y'],
  ])('answers 400 MALFORMED_REQUEST for %s', async (_name, query) => {
    const res = await request(app).get(`/requests?${query}`).expect(400);
    expect(res.body.error.code).toBe('MALFORMED_REQUEST');
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After when the database is down', async () => {
    const deadStore = await createCouchStore({
      url: `http://127.0.0.1:${await freePort()}`,
      mode: 'external',
      logger: captureLogger(),
      dbPrefix: uniquePrefix(),
    });
    try {
      const deadApp = appFor(deadStore);
      for (const url of [`/requests/${id}`, `/requests/${id}/images/1`, `/requests/${id}/events`, '/requests']) {
        const res = await request(deadApp).get(url).expect(503);
        expect(res.body.error.code).toBe('DATABASE_UNAVAILABLE');
        expect(res.headers['retry-after']).toBe('5');
      }
    } finally {
      await deadStore.close();
    }
  });
});
