/**
 * Images and uploads served by the results API over a real store on a real CouchDB-compatible
 * server, seen from both ends: a proxy in front of the database sees every attachment read (and
 * can break one off), a real HTTP client downloads. A HEAD or a 304 reads no bytes; a GET streams
 * them; a client that goes away releases the database's answer; a database that stops mid-way
 * cuts the download off without taking the server down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { createResultsRouter } from '../../../src/http/routes/resultsRouter';
import { createErrorMiddleware } from '../../../src/http/errorMiddleware';
import { createCouchStore } from '../../../src/store/createCouchStore';
import type { CouchStore } from '../../../src/store/CouchStore';
import { sha256Hex } from '../../../src/util/sha256Hex';
import { captureLogger } from '../../support/captureLogger';
import { makeLifecycle, makeRequestId } from '../../store/support/lifecycle';
import { startAttachmentProxy, type AttachmentProxy } from '../../store/support/startAttachmentProxy';
import { startStoreTarget, waitFor, type StoreTarget } from '../../store/support/storeTarget';

/** What a real client got: the answer's head, the bytes that arrived, and whether all of them did. */
interface Download {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
}

const FIRST_BYTES = 64 * 1024;
/** The headers that describe the bytes, which a HEAD and a 304 must give as a GET does. */
const DESCRIBING = ['etag', 'cache-control', 'content-type', 'content-length', 'accept-ranges', 'x-content-type-options'];

describe('results API: stored bytes, streamed', () => {
  let target: StoreTarget;
  let proxy: AttachmentProxy;
  let store: CouchStore;
  let server: http.Server;
  let base: string;
  const logger = captureLogger();
  const id = makeRequestId(Date.now() - 10_000);
  const image = randomBytes(768 * 1024);
  const original = randomBytes(640 * 1024);

  /** Sends one request and reads its answer; `onFirstBytes` may give up on it (returns true). */
  function download(method: string, path: string, headers: Record<string, string> = {}, onFirstBytes?: () => boolean): Promise<Download> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (chunks.length === 1 && onFirstBytes?.()) req.destroy();
        });
        res.on('close', done);
        res.on('error', () => undefined);
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
  }

  const described = (headers: http.IncomingHttpHeaders) => Object.fromEntries(DESCRIBING.map((name) => [name, headers[name]]));

  beforeAll(async () => {
    target = await startStoreTarget();
    proxy = await startAttachmentProxy(target.url, { firstBytes: FIRST_BYTES });
    // A read deadline past waitFor's: only what a test does can end an attachment answer it holds.
    store = await createCouchStore({ url: proxy.url, mode: target.mode, logger: captureLogger(), dbPrefix: target.dbPrefix, readTimeoutMs: 60_000 });
    const lifecycle = makeLifecycle(id, { original, images: [image] });
    await store.startRequest(lifecycle.started);
    await store.finishRequest(lifecycle.finished);
    await waitFor(() => store.pendingWrites() === 0);
    const app = express().use(createResultsRouter({ store, logger })).use(createErrorMiddleware(captureLogger()));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    proxy.reads.length = 0;
    proxy.afterFirstBytes = 'continue';
    proxy.refuseWith = undefined;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await proxy.close();
    await target.close();
  });

  it.each([
    ['an image', `/images/1`, () => image],
    ['the upload', `/original`, () => original],
  ])('answers HEAD and a matching If-None-Match for %s without reading its bytes, with the headers of a GET', async (_what, path, bytes) => {
    const get = await download('GET', `/requests/${id}${path}`);
    expect(get).toMatchObject({ status: 200, complete: true });
    expect(get.body.equals(bytes())).toBe(true);
    expect(proxy.reads).toHaveLength(1);

    const head = await download('HEAD', `/requests/${id}${path}`);
    expect(head.status).toBe(200);
    expect(described(head.headers)).toEqual(described(get.headers));
    const revalidated = await download('GET', `/requests/${id}${path}`, { 'If-None-Match': get.headers.etag! });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(get.headers.etag);
    expect(revalidated.headers['cache-control']).toBe(get.headers['cache-control']);
    expect(proxy.reads).toHaveLength(1);
  });

  it('answers 503 DATABASE_UNAVAILABLE when the bytes cannot be read, and 404 when they are gone, without the bytes\' validators', async () => {
    proxy.refuseWith = 500;
    const refused = await download('GET', `/requests/${id}/images/1`);
    expect(refused).toMatchObject({ status: 503, headers: expect.objectContaining({ 'retry-after': '5', 'cache-control': 'no-store' }) });
    expect(JSON.parse(refused.body.toString())).toMatchObject({ success: false, error: { code: 'DATABASE_UNAVAILABLE' } });
    proxy.refuseWith = 404;
    const gone = await download('GET', `/requests/${id}/original`, { Range: 'bytes=0-9' });
    expect(gone).toMatchObject({ status: 404, headers: expect.objectContaining({ 'cache-control': 'no-store' }) });
    expect(JSON.parse(gone.body.toString())).toMatchObject({ error: { code: 'NOT_FOUND', message: `Upload of request ${id} not found` } });
    // Error answers (JSON, with Express's weak ETag of that JSON), not taken for the bytes by a cache.
    expect(refused.headers.etag).not.toBe(`"${sha256Hex(image)}"`);
    expect(gone.headers.etag).not.toBe(`"${sha256Hex(original)}"`);
  });

  it('streams the bytes: the client has the first ones while the database still holds the rest', async () => {
    proxy.afterFirstBytes = 'hold';
    const whole = download('GET', `/requests/${id}/images/1`, {}, () => {
      proxy.release();
      return false;
    });
    const got = await whole;
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(got.body.equals(image)).toBe(true);
  });

  it('serves a byte range as the slice of the stored bytes, asking the database for that range', async () => {
    const got = await download('GET', `/requests/${id}/original`, { Range: 'bytes=100000-300000' });
    expect(got).toMatchObject({ status: 206, complete: true });
    expect(got.headers['content-range']).toBe(`bytes 100000-300000/${original.length}`);
    expect(got.body.equals(original.subarray(100_000, 300_001))).toBe(true);
    expect(proxy.reads).toEqual([expect.objectContaining({ range: 'bytes=100000-300000' })]);
  });

  it('serves an image stored before its record from memory, with the checksum computed from its bytes', async () => {
    const early = makeLifecycle(makeRequestId(Date.now() - 5_000), { images: [image] });
    const requestId = early.started.requestId;
    await store.startRequest(early.started);
    await store.storeImage(requestId, { index: 1, mimeType: 'image/jpeg', data: image });
    await waitFor(() => store.pendingWrites() === 0);
    const head = await download('HEAD', `/requests/${requestId}/images/1`);
    expect(head).toMatchObject({ status: 200, headers: expect.objectContaining({ etag: `"${sha256Hex(image)}"`, 'content-length': String(image.length) }) });
    const range = await download('GET', `/requests/${requestId}/images/1`, { Range: 'bytes=-1000' });
    expect(range).toMatchObject({ status: 206, complete: true });
    expect(range.body.equals(image.subarray(image.length - 1000))).toBe(true);
  });

  it('releases the database\'s answer when the client goes away mid-download', async () => {
    proxy.afterFirstBytes = 'hold';
    const before = proxy.abandoned();
    const got = await download('GET', `/requests/${id}/images/1`, {}, () => true);
    expect(got).toMatchObject({ status: 200, complete: false });
    expect(got.body.equals(image.subarray(0, got.body.length))).toBe(true);
    await waitFor(() => proxy.abandoned() === before + 1);
    proxy.release();
  });

  it('cuts the download off when the database stops mid-way, logs it, and goes on serving', async () => {
    proxy.afterFirstBytes = 'die';
    const got = await download('GET', `/requests/${id}/images/1`);
    expect(got).toMatchObject({ status: 200, complete: false });
    expect(got.body.length).toBeLessThan(image.length);
    expect(got.body.equals(image.subarray(0, got.body.length))).toBe(true);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/stopped mid-answer/), fields: expect.objectContaining({ path: `/requests/${id}/images/1` }) }),
    );

    proxy.afterFirstBytes = 'continue';
    const again = await download('GET', `/requests/${id}/images/1`);
    expect(again).toMatchObject({ status: 200, complete: true });
    expect(again.body.equals(image)).toBe(true);
  });
});
