/**
 * The store while the database is away: callers never fail, writes queue (bounded), health says
 * so, and everything queued lands once a server answers on that address again.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';
import { freePort } from '../support/freePort';
import { storedBytes } from './support/storedBytes';

// Short back-off so the queue notices the server's return quickly.
const retry = { initialDelayMs: 20, maxDelayMs: 200 };

describe('createCouchStore with the database down', () => {
  let dataDir: string;
  let port: number;
  let url: string;
  let store: CouchStore | undefined;
  let server: EmbeddedCouch | undefined;
  let logger: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    dataDir = tempDataDir();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    logger = captureLogger();
  });

  afterEach(async () => {
    await store?.close();
    await server?.close();
    store = undefined;
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const startServer = async () => {
    server = await startEmbeddedCouch({ dataDir, port, logger: createLogger({ level: 'silent' }) });
  };

  it('starts on a dead port, queues every write, reports it, and drains once the server comes up', async () => {
    store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), retry });
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);

    // None of these wait for the database or fail.
    await store.startRequest(lifecycle.started);
    for (const event of lifecycle.events) store.appendEvent(event);
    await store.finishRequest(lifecycle.finished);

    expect(store.pendingWrites()).toBe(2 + lifecycle.events.length);
    const down = await store.health();
    expect(down).toMatchObject({ status: 'error', reachable: false, pendingWrites: 2 + lifecycle.events.length, lostWrites: 0 });
    expect(down.error).toMatch(/unreachable/i);
    expect(logger.entries.some((entry) => entry.level === 'warn' && /retried/.test(entry.msg))).toBe(true);

    await startServer();
    await waitFor(() => store?.pendingWrites() === 0);

    expect(await store.health()).toMatchObject({ status: 'ok', reachable: true, pendingWrites: 0, lostWrites: 0 });
    const stored = await store.getRequest(id);
    expect(stored).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
    expect((await storedBytes(store.getImage(id, 1)))?.equals(lifecycle.finished.images[0].data as Buffer)).toBe(true);
    expect((await store.getEvents(id)).map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
  });

  it('keeps working when the database stops mid-run and catches up when it returns', async () => {
    await startServer();
    store = await createCouchStore({ url, mode: 'embedded', logger, dbPrefix: uniquePrefix(), retry });
    const before = makeLifecycle(makeRequestId());
    await store.startRequest(before.started);
    await waitFor(() => store?.pendingWrites() === 0);

    await server?.close();
    const during = makeLifecycle(makeRequestId());
    await store.finishRequest(before.finished);
    await store.startRequest(during.started);
    for (const event of during.events) store.appendEvent(event);
    await store.finishRequest(during.finished);
    expect((await store.health()).status).toBe('error');
    expect(store.pendingWrites()).toBeGreaterThan(0);

    await startServer();
    await waitFor(() => store?.pendingWrites() === 0);
    expect(await store.getRequest(before.started.requestId)).toMatchObject({ status: 'completed', hasOriginal: true });
    expect(await store.getRequest(during.started.requestId)).toMatchObject({ status: 'completed', hasOriginal: true });
    expect(await store.getEvents(during.started.requestId)).toHaveLength(during.events.length);
  });

  it('drops writes past the queue bound, counts them and logs the loss', async () => {
    store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), retry, maxQueuedWrites: 5 });
    const lifecycle = makeLifecycle(makeRequestId());
    for (const event of lifecycle.events.slice(0, 8)) store.appendEvent(event);

    expect(store.pendingWrites()).toBe(5);
    expect((await store.health()).lostWrites).toBe(3);
    const losses = logger.entries.filter((entry) => entry.level === 'error' && /dropped/.test(entry.msg));
    expect(losses).toHaveLength(3);
    expect(losses[2].fields).toMatchObject({ lostWrites: 3, write: expect.stringContaining(lifecycle.events[7].type) });

    // The five it kept still land.
    await startServer();
    await waitFor(() => store?.pendingWrites() === 0);
    expect((await store.getEvents(lifecycle.started.requestId)).map((event) => event.type)).toEqual(
      lifecycle.events.slice(0, 5).map((event) => event.type),
    );
  });

  it('bounds the bytes held while the database is away', async () => {
    store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), retry, maxQueuedBytes: 10_000 });
    const lifecycle = makeLifecycle(makeRequestId(), { original: Buffer.alloc(20_000, 1) });
    await store.startRequest(lifecycle.started);
    expect(store.pendingWrites()).toBe(0);
    expect((await store.health()).lostWrites).toBe(1);
  });

  it('does not hold up its start for a server that accepts connections but never answers', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      store = await createCouchStore({
        url,
        mode: 'external',
        logger,
        dbPrefix: uniquePrefix(),
        startTimeoutMs: 50,
        requestTimeoutMs: 60_000,
        healthTimeoutMs: 100,
        closeTimeoutMs: 50,
      });
      expect(logger.entries.some((entry) => entry.level === 'warn' && /slow to answer/.test(entry.msg))).toBe(true);
      expect(await store.health()).toMatchObject({ status: 'error', reachable: false });
      // close() aborts the call still hanging.
      await store.close();
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('fails a read from a server that never answers after readTimeoutMs, not after the write deadline', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), startTimeoutMs: 50, requestTimeoutMs: 60_000, readTimeoutMs: 300, closeTimeoutMs: 50 });
      const started = performance.now();
      await expect(store.getRequest(makeRequestId())).rejects.toMatchObject({ kind: 'unavailable' });
      await expect(store.listRequests({ limit: 5 })).rejects.toMatchObject({ kind: 'unavailable' });
      await expect(store.getEvents(makeRequestId())).rejects.toMatchObject({ kind: 'unavailable' });
      // Three reads of 300 ms each, nowhere near the 60 s a write may take.
      expect(performance.now() - started).toBeLessThan(10_000);
      await store.close();
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('closes within its deadline with the database down, logging what could not be stored', async () => {
    store = await createCouchStore({ url, mode: 'external', logger, dbPrefix: uniquePrefix(), retry, closeTimeoutMs: 200 });
    const lifecycle = makeLifecycle(makeRequestId());
    await store.startRequest(lifecycle.started);
    store.appendEvent(lifecycle.events[0]);

    await Promise.all([store.close(), store.close()]);
    expect(store.pendingWrites()).toBe(0);
    const loss = logger.entries.find((entry) => entry.level === 'error' && /closed with writes still queued/.test(entry.msg));
    expect(loss?.fields).toMatchObject({ lostWrites: 2 });
    expect(await store.health()).toMatchObject({ status: 'error', lostWrites: 2 });
  });
});
