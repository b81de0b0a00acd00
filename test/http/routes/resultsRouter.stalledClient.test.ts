/**
 * A client that asks for a stored upload and then takes no bytes (nothing read, connection kept
 * open) must not hold the download, and the database's answer behind it, for as long as it
 * likes: the results API cuts it once no bytes have moved for the idle timeout, and goes on serving.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { createResultsRouter } from '../../../src/http/routes/resultsRouter';
import { createErrorMiddleware } from '../../../src/http/errorMiddleware';
import { createCouchStore } from '../../../src/store/createCouchStore';
import type { CouchStore } from '../../../src/store/CouchStore';
import { captureLogger } from '../../support/captureLogger';
import { makeLifecycle, makeRequestId } from '../../store/support/lifecycle';
import { startStoreTarget, waitFor, type StoreTarget } from '../../store/support/storeTarget';

describe('results API: a client that stops taking the bytes', () => {
  let target: StoreTarget;
  let store: CouchStore;
  let server: http.Server;
  let port: number;
  const logger = captureLogger();
  const id = makeRequestId(Date.now() - 10_000);
  // Far more than the socket buffers of both ends hold, so the answer cannot finish unread.
  const original = randomBytes(16 * 1024 * 1024);

  beforeAll(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger: captureLogger(), dbPrefix: target.dbPrefix, readTimeoutMs: 60_000 });
    const lifecycle = makeLifecycle(id, { original, images: [randomBytes(1024)] });
    await store.startRequest(lifecycle.started);
    await store.finishRequest(lifecycle.finished);
    await waitFor(() => store.pendingWrites() === 0);
    const app = express()
      .use(createResultsRouter({ store, logger, sendIdleTimeoutMs: 300 }))
      .use(createErrorMiddleware(captureLogger()));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await target.close();
  });

  it('cuts the download once no bytes moved for the idle timeout, logs it, and serves the next client', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.pause();
    socket.write(`GET /requests/${id}/original HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const cut = (entry: { level: string; msg: string }) => entry.level === 'warn' && /no bytes sent/.test(entry.msg);
    await waitFor(() => logger.entries.some(cut));
    expect(logger.entries.find(cut)).toMatchObject({ fields: expect.objectContaining({ path: `/requests/${id}/original`, idleTimeoutMs: 300 }) });

    // What was already on its way arrives, then the connection ends short of the whole body.
    const received = await new Promise<number>((resolve) => {
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('close', () => resolve(bytes));
      socket.resume();
    });
    expect(received).toBeLessThan(original.length);

    const next = await fetch(`http://127.0.0.1:${port}/requests/${id}/original`, { headers: { Range: 'bytes=0-99' } });
    expect(next.status).toBe(206);
    expect(Buffer.from(await next.arrayBuffer()).equals(original.subarray(0, 100))).toBe(true);
  });
});
