/**
 * The store behind answers that say "try again": a gateway answering 502/503/504 while CouchDB
 * restarts, a conflict outliving a write's own retries, a database deleted while running. A
 * proxy in front of the embedded server gives those answers; the writes must land once the
 * server behind it answers again, none lost. And one final "no" (413 for one image) must lose
 * only that image.
 */
import fs from 'node:fs';
import http from 'node:http';
import nano from 'nano';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startForwardingProxy } from './support/startForwardingProxy';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';
import { storedBytes } from './support/storedBytes';

// A limited write gives up after 3 attempts, tens of milliseconds apart.
const retry = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };

/** Forwards to `target`, or answers with the status `refuse` returns for the request. */
function startProxy(target: string, refuse: (req: http.IncomingMessage) => number | undefined) {
  return startForwardingProxy(target, (req, res) => {
    const status = refuse(req);
    if (status === 409) {
      res.writeHead(409, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'conflict', reason: 'Document update conflict.' }));
    } else if (status !== undefined) {
      // What nginx answers while the server behind it is away.
      res.writeHead(status, { 'Content-Type': 'text/html' }).end(`<html><body><h1>${status}</h1>nginx</body></html>`);
    }
    return status !== undefined;
  });
}

describe('createCouchStore behind answers that say "try again"', () => {
  let dataDir: string;
  let couch: EmbeddedCouch;
  let dbPrefix: string;
  let store: CouchStore | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;

  beforeEach(async () => {
    dataDir = tempDataDir();
    dbPrefix = uniquePrefix();
    couch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
  });

  afterEach(async () => {
    await store?.close();
    await proxy?.close();
    store = undefined;
    proxy = undefined;
    await couch.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([502, 503, 504])(
    'waits out a gateway answering %i for longer than maxAttempts retries, then stores the write, none lost',
    async (status) => {
      let away = true;
      let refused = 0;
      proxy = await startProxy(couch.url, () => {
        if (!away) return undefined;
        refused += 1;
        return status;
      });
      store = await createCouchStore({ url: proxy.url, mode: 'external', logger: captureLogger(), dbPrefix, retry, closeTimeoutMs: 200 });
      const lifecycle = makeLifecycle(makeRequestId());
      await store.startRequest(lifecycle.started);

      // Many more refusals than a limited write would sit through (one that gave up stops at 3).
      await waitFor(() => refused > 2 * retry.maxAttempts);
      expect(await store.health()).toMatchObject({ lostWrites: 0, pendingWrites: 1 });

      away = false;
      await waitFor(() => store?.pendingWrites() === 0);
      expect((await store.health()).lostWrites).toBe(0);
      expect(await store.getRequest(lifecycle.started.requestId)).toMatchObject({ status: 'processing', hasOriginal: true });
    },
  );

  it('retries a write whose conflict outlived its own re-reads instead of losing it', async () => {
    let conflicts = 0;
    proxy = await startProxy(couch.url, (req) => {
      // More 409s in a row than one write re-reads for (10), on the request documents only.
      if (req.method === 'PUT' && req.url?.startsWith(`/${dbPrefix}requests/req_`) && conflicts < 12) {
        conflicts += 1;
        return 409;
      }
      return undefined;
    });
    store = await createCouchStore({ url: proxy.url, mode: 'external', logger: captureLogger(), dbPrefix, retry, closeTimeoutMs: 200 });
    const lifecycle = makeLifecycle(makeRequestId());
    await store.startRequest(lifecycle.started);

    await waitFor(() => store?.pendingWrites() === 0);
    expect(conflicts).toBe(12);
    expect((await store.health()).lostWrites).toBe(0);
    expect(await store.getRequest(lifecycle.started.requestId)).toMatchObject({ status: 'processing', hasOriginal: true });
  });

  it('recreates the requests database deleted while running, and stores the next write in it', async () => {
    store = await createCouchStore({ url: couch.url, mode: 'embedded', logger: captureLogger(), dbPrefix, retry, closeTimeoutMs: 200 });
    const first = makeLifecycle(makeRequestId());
    await store.startRequest(first.started);
    await waitFor(() => store?.pendingWrites() === 0);

    await nano(couch.url).db.destroy(`${dbPrefix}requests`);
    const second = makeLifecycle(makeRequestId());
    await store.startRequest(second.started);
    await store.finishRequest(second.finished);

    await waitFor(() => store?.pendingWrites() === 0);
    expect((await store.health()).lostWrites).toBe(0);
    expect(await store.getRequest(second.started.requestId)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
    // The listing's design document came back with the database.
    expect((await store.listRequests({ limit: 5 })).requests.map((r) => r.requestId)).toEqual([second.started.requestId]);
  });

  it('stores the result when the server refuses one image for good (413), with that image recorded without its bytes', async () => {
    // What a server with a smaller attachment limit (e.g. a hosted CouchDB) answers for that image alone.
    proxy = await startProxy(couch.url, (req) => (req.method === 'PUT' && /\/image-2(\?|$)/.test(req.url ?? '') ? 413 : undefined));
    store = await createCouchStore({ url: proxy.url, mode: 'external', logger: captureLogger(), dbPrefix, retry, closeTimeoutMs: 200 });
    const lifecycle = makeLifecycle(makeRequestId());
    const id = lifecycle.started.requestId;
    await store.startRequest(lifecycle.started);
    await store.storeImage(id, { index: 2, mimeType: 'image/jpeg', data: lifecycle.finished.images[1].data as Buffer });
    await store.finishRequest(lifecycle.finished);

    await waitFor(() => store?.pendingWrites() === 0);
    // Only the image write itself is lost, not the result with it.
    expect((await store.health()).lostWrites).toBe(1);
    const stored = await store.getRequest(id);
    expect(stored).toMatchObject({ status: 'completed', imagesGenerated: 3, hasOriginal: true });
    expect(stored?.images.map((image) => [image.index, image.status, image.stored])).toEqual([
      [1, 'completed', true],
      [2, 'completed', false],
      [3, 'completed', true],
    ]);
    expect(await store.getImage(id, 2)).toBeNull();
    expect(await storedBytes(store.getImage(id, 3))).toEqual(lifecycle.finished.images[2].data);
  });

  it('recreates the events database deleted while running, and stores the next events in it', async () => {
    store = await createCouchStore({ url: couch.url, mode: 'embedded', logger: captureLogger(), dbPrefix, retry, closeTimeoutMs: 200 });
    const first = makeLifecycle(makeRequestId());
    for (const event of first.events) store.appendEvent(event);
    await waitFor(() => store?.pendingWrites() === 0);

    // Only the events database goes: the request writes keep succeeding, so they never notice.
    await nano(couch.url).db.destroy(`${dbPrefix}events`);
    const second = makeLifecycle(makeRequestId());
    await store.startRequest(second.started);
    for (const event of second.events) store.appendEvent(event);
    await store.finishRequest(second.finished);

    await waitFor(() => store?.pendingWrites() === 0);
    expect((await store.health()).lostWrites).toBe(0);
    expect((await store.getEvents(second.started.requestId)).map((event) => event.type)).toEqual(second.events.map((event) => event.type));
  });
});
