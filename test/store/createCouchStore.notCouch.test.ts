/**
 * COUCHDB_URL pointing at a server that answers but cannot be used. A web server that is not
 * CouchDB (a wrong port, the app itself) answers 200 to everything, so nothing looks down, yet it
 * would store nothing: the store must say so and keep the writes queued, not report `ok` while
 * dropping them. A CouchDB refusing the credentials is reported as that, not as unreachable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { NOT_COUCHDB } from '../../src/store/isCouchWelcome';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { uniquePrefix } from './support/storeTarget';

describe('createCouchStore against an HTTP server that is not CouchDB', () => {
  let web: http.Server;
  let url: string;
  let store: CouchStore | undefined;

  beforeEach(async () => {
    web = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to my site</body></html>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
  });

  it('reports an error naming the problem, and keeps writes queued instead of losing them', async () => {
    const logger = captureLogger();
    store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), retry: { initialDelayMs: 20, maxDelayMs: 100 }, closeTimeoutMs: 200 });
    expect(logger.entries.some((e) => e.fields.err === NOT_COUCHDB)).toBe(true);
    expect(logger.entries.some((e) => e.msg === 'database ready')).toBe(false);
    expect(logger.entries.some((e) => e.msg === 'COUCHDB_URL is not a CouchDB server; writes will queue until it is')).toBe(true);

    await store.startRequest(makeLifecycle(makeRequestId()).started);
    const health = await store.health();
    expect(health).toMatchObject({ status: 'error', reachable: true, error: NOT_COUCHDB, lostWrites: 0 });
    expect(health.pendingWrites).toBeGreaterThan(0);
  });

  it('answers every read as unavailable instead of inventing a request from the web page', async () => {
    store = await createCouchStore({ url, mode: 'external', logger: captureLogger(), dbPrefix: uniquePrefix(), closeTimeoutMs: 200 });
    const requestId = makeRequestId();
    const unavailable = { name: 'StoreError', kind: 'unavailable', message: expect.stringMatching(/is not CouchDB's \(is COUCHDB_URL a CouchDB server\?\)/) };
    await expect(store.getRequest(requestId)).rejects.toMatchObject(unavailable);
    await expect(store.getImage(requestId, 1)).rejects.toMatchObject(unavailable);
    await expect(store.getOriginal(requestId)).rejects.toMatchObject(unavailable);
    await expect(store.getEvents(requestId)).rejects.toMatchObject(unavailable);
    await expect(store.listRequests({ limit: 5 })).rejects.toMatchObject(unavailable);
  });
});

describe('createCouchStore against a server that greets as CouchDB but answers the rest with a web page', () => {
  it('keeps the writes queued instead of counting them stored', async () => {
    const web = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/') res.writeHead(200, { 'content-type': 'application/json' }).end('{"couchdb":"Welcome","version":"3.4.2"}');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to my site</body></html>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const store = await createCouchStore({
      url: `http://127.0.0.1:${(web.address() as AddressInfo).port}`,
      mode: 'external',
      logger: captureLogger(),
      dbPrefix: uniquePrefix(),
      retry: { initialDelayMs: 20, maxDelayMs: 100 },
      closeTimeoutMs: 200,
    });
    try {
      await store.startRequest(makeLifecycle(makeRequestId()).started);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const health = await store.health();
      expect(health.pendingWrites).toBeGreaterThan(0);
      expect(health.lostWrites).toBe(0);
    } finally {
      await store.close();
      web.closeAllConnections();
      await new Promise((resolve) => web.close(resolve));
    }
  });
});

describe('createCouchStore against a CouchDB that refuses our credentials', () => {
  it('says at start that the credentials were refused, not that the server is unreachable', async () => {
    const couch = http.createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', reason: 'Name or password is incorrect.' }));
    });
    await new Promise<void>((resolve) => couch.listen(0, '127.0.0.1', resolve));
    const logger = captureLogger();
    const store = await createCouchStore({
      url: `http://admin:wrong@127.0.0.1:${(couch.address() as AddressInfo).port}`,
      mode: 'external',
      logger,
      dbPrefix: uniquePrefix(),
      closeTimeoutMs: 200,
    });
    try {
      expect(logger.entries.map((e) => e.msg)).toContain('database refused the credentials in COUCHDB_URL at start; writes will queue until it accepts them');
    } finally {
      await store.close();
      couch.closeAllConnections();
      await new Promise((resolve) => couch.close(resolve));
    }
  });
});
