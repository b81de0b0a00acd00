/**
 * CouchDB answers cut short: a proxy (or a server) that sends the headers and part of a body, then
 * drops the connection or stops sending. nano never settles a call whose cut body is not JSON, and
 * answers '' for a JSON one; each call must still end at its deadline, as a database that did not
 * answer (retried, reported unreachable), never as a hang or as "not CouchDB".
 */
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { NOT_COUCHDB } from '../../src/store/isCouchWelcome';
import { MAX_ANSWER_BYTES } from '../../src/store/createNanoCouchClient';
import { captureLogger } from '../support/captureLogger';
import { startTestService, type TestService } from '../support/startTestService';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import type { ForwardingProxy } from './support/startForwardingProxy';
import { startProxiedCouch } from './support/startProxiedCouch';
import { uniquePrefix, waitFor } from './support/storeTarget';

/** Headers promising 1000 bytes, a few of them, then the connection dropped (`reset`) or left open. */
function answerCutShort(res: http.ServerResponse, status: number, contentType: string, how: 'reset' | 'stall'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': '1000' });
  res.write(contentType.startsWith('application/json') ? '{"couchdb":' : '<html><body>');
  if (how === 'reset') setTimeout(() => res.socket?.destroy(), 20);
}

describe('createNanoCouchClient behind answers cut short', () => {
  let proxy: ForwardingProxy | undefined;
  let store: CouchStore | undefined;
  let service: TestService | undefined;
  /** Decides which requests the proxy answers itself, cut short. */
  let cut: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

  beforeEach(async () => {
    cut = () => false;
    proxy = await startProxiedCouch((req, res) => cut(req, res));
  });

  afterEach(async () => {
    await service?.close();
    await store?.close();
    await proxy?.close();
    service = undefined;
    store = undefined;
    proxy = undefined;
  });

  /** Starts the service against the proxy, whose GET / (the welcome) `welcome` answers; then asks /db-health. */
  async function dbHealthWhenWelcome(welcome: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    service = await startTestService({ COUCHDB_URL: (proxy as ForwardingProxy).url });
    cut = (req, res) => {
      if (req.url !== '/') return false;
      welcome(req, res);
      return true;
    };
    return request(service.httpUrl).get('/db-health').timeout(30_000);
  }

  it('/health and /db-health answer when the server greets with a web page cut off mid-body', async () => {
    // Before: the probe never settled, and every later health check waited on it for ever.
    const dbHealth = await dbHealthWhenWelcome((_req, res) => answerCutShort(res, 200, 'text/html', 'reset'));
    expect(dbHealth.status).toBe(503);
    expect(dbHealth.body).toMatchObject({ status: 'error', reachable: false });
    const health = await request((service as TestService).httpUrl).get('/health').timeout(30_000);
    expect(health.body).toMatchObject({ status: 'degraded', database: { status: 'error', reachable: false } });
  });

  it('/db-health says the server did not answer in time, not that it is not CouchDB, when its welcome stalls mid-body', async () => {
    const dbHealth = await dbHealthWhenWelcome((_req, res) => answerCutShort(res, 200, 'application/json', 'stall'));
    expect(dbHealth.status).toBe(503);
    expect(dbHealth.body).toMatchObject({ status: 'error', reachable: false, error: expect.stringMatching(/timed out/i) });
    expect(dbHealth.body.error).not.toBe(NOT_COUCHDB);
  });

  it('/db-health does not read a welcome of hundreds of MB into memory: the answer is cut at the limit and reported', async () => {
    const padding = Buffer.alloc(1024 * 1024, 0x20);
    const paddingMb = 2 * (MAX_ANSWER_BYTES / padding.length);
    let sent = 0;
    let ended = false;
    const dbHealth = await dbHealthWhenWelcome((_req, res) => {
      // Valid JSON once whole: read to the end, it would pass for a CouchDB welcome.
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (sent < paddingMb && !res.destroyed) {
          sent += 1;
          if (!res.write(padding)) return void res.once('drain', pump);
        }
        if (!res.destroyed) ended = Boolean(res.end('{"couchdb":"Welcome","version":"3.3.3"}'));
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    expect(dbHealth.status).toBe(503);
    expect(dbHealth.body).toMatchObject({ status: 'error', reachable: false, error: expect.stringContaining(`larger than ${MAX_ANSWER_BYTES} bytes`) });
    expect(ended).toBe(false);
  });

  it('/db-health does not inflate a compressed welcome (a small gzip bomb): compression is not asked for, and refused', async () => {
    // 2 × the answer limit of spaces before a valid welcome: about 130 KB on the wire.
    const bomb = gzipSync(Buffer.concat([Buffer.alloc(2 * MAX_ANSWER_BYTES, 0x20), Buffer.from('{"couchdb":"Welcome","version":"3.3.3"}')]));
    const asked: (string | undefined)[] = [];
    const dbHealth = await dbHealthWhenWelcome((req, res) => {
      asked.push(req.headers['accept-encoding']);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    });
    expect(dbHealth.status).toBe(503);
    expect(dbHealth.body).toMatchObject({ status: 'error', reachable: false, error: expect.stringContaining('answer compressed (Content-Encoding: gzip)') });
    expect(asked).toEqual(['identity']);
  });

  it('a read whose document comes back as a web page cut off mid-body answers unavailable, instead of never', async () => {
    store = await createCouchStore({ url: (proxy as ForwardingProxy).url, mode: 'external', logger: captureLogger(), dbPrefix: uniquePrefix(), readTimeoutMs: 300, closeTimeoutMs: 200 });
    const lifecycle = makeLifecycle(makeRequestId());
    await store.startRequest(lifecycle.started);
    await waitFor(() => store?.pendingWrites() === 0);
    cut = (req, res) => {
      if (req.method !== 'GET' || !req.url?.includes(lifecycle.started.requestId)) return false;
      answerCutShort(res, 200, 'text/html', 'reset');
      return true;
    };

    await expect(store.getRequest(lifecycle.started.requestId)).rejects.toMatchObject({ name: 'StoreError', kind: 'unavailable' });
  });

  it('a write whose answer is cut off mid-body is retried and stored, not left hanging for ever', async () => {
    let cuts = 0;
    cut = (req, res) => {
      if (req.method !== 'PUT' || !req.url?.includes('req_') || cuts >= 2) return false;
      cuts += 1;
      answerCutShort(res, 201, 'text/plain', 'reset');
      return true;
    };
    store = await createCouchStore({
      url: (proxy as ForwardingProxy).url,
      mode: 'external',
      logger: captureLogger(),
      dbPrefix: uniquePrefix(),
      requestTimeoutMs: 300,
      settleTimeoutMs: 100,
      retry: { initialDelayMs: 10, maxDelayMs: 40 },
      closeTimeoutMs: 200,
    });
    const lifecycle = makeLifecycle(makeRequestId());
    await store.startRequest(lifecycle.started);

    await waitFor(() => store?.pendingWrites() === 0);
    expect(cuts).toBe(2);
    expect(await store.getRequest(lifecycle.started.requestId)).toMatchObject({ requestId: lifecycle.started.requestId, status: 'processing' });
  });

  it('answers that are JSON of the wrong shape (rows that are not objects, a database info without a count) are the database failing, not a 500 or an ok', async () => {
    service = await startTestService({ COUCHDB_URL: (proxy as ForwardingProxy).url });
    cut = (req, res) => {
      const url = req.url ?? '';
      if (req.method !== 'GET') return false;
      if (url.includes('/_view/') || url.includes('/_all_docs')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"total_rows":2,"offset":0,"rows":[null,1]}');
      } else if (/^\/[a-z_]+$/.test(url)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"db_name":"x","doc_count":"many"}');
      } else return false;
      return true;
    };

    const unavailable = { success: false, error: { code: 'DATABASE_UNAVAILABLE' } };
    const list = await request(service.httpUrl).get('/requests');
    expect([list.status, list.body]).toMatchObject([503, unavailable]);
    const events = await request(service.httpUrl).get(`/requests/${makeRequestId()}/events`);
    expect([events.status, events.body]).toMatchObject([503, unavailable]);
    const dbHealth = await request(service.httpUrl).get('/db-health');
    expect([dbHealth.status, dbHealth.body]).toMatchObject([503, { status: 'error', error: expect.stringMatching(/not CouchDB's/) }]);
  });
});
