/**
 * Requests a stopped server left `processing`, against a real CouchDB-compatible server: the
 * sweeper fails the ones older than any live request can be, and leaves the rest alone.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createCouchStore } from '../../src/store/createCouchStore';
import { createInterruptedSweeper } from '../../src/store/createInterruptedSweeper';
import { makeLifecycle, makeRequestId, makeStarted } from './support/lifecycle';
import { freePort } from '../support/freePort';
import { useFreshStore } from './support/useFreshStore';
import { waitFor } from './support/storeTarget';

const MINUTE = 60_000;

describe('createInterruptedSweeper', () => {
  const fresh = useFreshStore();

  it('fails requests left processing longer than the grace period, and only those', async () => {
    const { store, logger } = fresh;
    const abandoned = makeRequestId(Date.now() - 10 * MINUTE);
    const running = makeRequestId(Date.now() - MINUTE);
    const finished = makeLifecycle(makeRequestId(Date.now() - 20 * MINUTE));
    await store.startRequest(makeStarted(abandoned, randomBytes(256)));
    await store.startRequest(makeStarted(running, randomBytes(256)));
    await store.startRequest(finished.started);
    await store.finishRequest(finished.finished);

    const sweeper = createInterruptedSweeper({ store, graceMs: 5 * MINUTE, everyMs: 60 * MINUTE, logger });
    try {
      expect(await sweeper.sweep()).toBe(1);
      expect(await store.getRequest(abandoned)).toMatchObject({
        status: 'failed',
        completedAt: expect.any(String),
        error: { code: 'INTERRUPTED', message: 'This request never finished being recorded: its server stopped first, or the database refused its last writes' },
        // What the start record said is kept, the upload included.
        hasOriginal: true,
        upload: { size: 256 },
      });
      expect(await store.getRequest(running)).toMatchObject({ status: 'processing' });
      expect(await store.getRequest(finished.started.requestId)).toMatchObject({ status: 'completed', imagesGenerated: 3 });
      expect((await store.listRequests({ status: 'processing', limit: 10 })).requests.map((r) => r.requestId)).toEqual([running]);
      expect(logger.entries.some((entry) => entry.level === 'warn' && /INTERRUPTED/.test(entry.msg))).toBe(true);

      // Nothing left to do the second time.
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await sweeper.close();
    }
  });

  it('leaves, and does not count, a request older than the grace period whose own recorded deadline is still ahead', async () => {
    const { store, logger } = fresh;
    const createdAt = Date.now() - 10 * MINUTE;
    const slow = makeRequestId(createdAt);
    // The instance running it allows 30 minutes; this sweeper's grace is 5.
    await store.startRequest({ ...makeStarted(slow, randomBytes(64)), deadlineAt: new Date(createdAt + 30 * MINUTE).toISOString() });
    const pastItsDeadline = makeRequestId(createdAt);
    await store.startRequest({ ...makeStarted(pastItsDeadline, randomBytes(64)), deadlineAt: new Date(createdAt + 3 * MINUTE).toISOString() });

    const sweeper = createInterruptedSweeper({ store, graceMs: 5 * MINUTE, everyMs: 60 * MINUTE, logger });
    try {
      expect(await sweeper.sweep()).toBe(1);
      expect(await store.getRequest(pastItsDeadline)).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
      expect(await store.getRequest(slow)).toMatchObject({ status: 'processing' });
      // Still running elsewhere: the next sweep neither fails nor reports it.
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await sweeper.close();
    }
  });

  it('answers 0 while the database is away, and close() is idempotent', async () => {
    const { target, logger } = fresh;
    const away = await createCouchStore({ url: `http://127.0.0.1:${await freePort()}`, mode: 'external', logger, dbPrefix: target.dbPrefix });
    const sweeper = createInterruptedSweeper({ store: away, graceMs: MINUTE, everyMs: 60 * MINUTE, logger });
    try {
      expect(await sweeper.sweep()).toBe(0);
      await Promise.all([sweeper.close(), sweeper.close()]);
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await away.close();
    }
  });

  it('stops a sweep waiting on a database that accepts connections but never answers, instead of waiting out its deadline', async () => {
    const { target, logger } = fresh;
    // A hung server that records what it is asked, so the test knows the listing is in flight.
    let received = '';
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    // A write deadline far beyond the test's timeout: only an abort ends the listing in time.
    const store = await createCouchStore({
      url: `http://127.0.0.1:${(hung.address() as net.AddressInfo).port}`,
      mode: 'external',
      logger,
      dbPrefix: target.dbPrefix,
      requestTimeoutMs: 10 * MINUTE,
      startTimeoutMs: 10,
    });
    const sweeper = createInterruptedSweeper({ store, graceMs: MINUTE, everyMs: 60 * MINUTE, logger });
    try {
      const sweeping = sweeper.sweep();
      await waitFor(() => received.includes('/_view/by_status'));
      await sweeper.close();
      expect(await sweeping).toBe(0);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });
});
