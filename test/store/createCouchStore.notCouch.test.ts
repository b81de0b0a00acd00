/**
 * COUCHDB_URL pointing at a web server that is not CouchDB (a wrong port, the app itself): it
 * answers 200 to everything, so nothing looks down, yet it would store nothing. The store must
 * say so and keep the writes queued, not report `ok` while dropping them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { NOT_COUCHDB } from '../../src/store/isCouchWelcome';
import { captureLogger } from './support/captureLogger';
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

    await store.startRequest(makeLifecycle(makeRequestId()).started);
    const health = await store.health();
    expect(health).toMatchObject({ status: 'error', reachable: true, error: NOT_COUCHDB, lostWrites: 0 });
    expect(health.pendingWrites).toBeGreaterThan(0);
  });
});
