/**
 * LevelDB refuses every write after a failed background write (a full disk) until it is
 * reopened. The embedded database's child reports the first such failure and is replaced, so
 * writes succeed again once there is room, without restarting the service.
 */
import fs from 'node:fs';
import net from 'node:net';
import nano from 'nano';
import { createLogger } from '../../src/logging/createLogger';
import { createCouchStore } from '../../src/store/createCouchStore';
import { forkEmbeddedCouch } from '../../src/store/forkEmbeddedCouch';
import { isRunning, processesWith } from '../support/processes';
import { captureLogger } from '../support/captureLogger';
import { failNextFlush } from './support/failLevelDbFlush';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';

const silent = createLogger({ level: 'silent' });

/** Writes small documents until LevelDB refuses one; resolves with the refusal's reason. */
async function writeUntilRefused(url: string, database: string): Promise<string> {
  for (let n = 0; n < 100; n += 1) {
    const response = await fetch(`${url}/${database}/probe-${n}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    if (response.status >= 500) return ((await response.json()) as { reason: string }).reason;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('LevelDB kept accepting writes');
}

describe('forkEmbeddedCouch after a failed write to disk', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
  });

  afterEach(() => {
    expect(processesWith(dataDir)).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('replaces the child whose LevelDB refuses writes, on the same URL, with the data kept', async () => {
    const logger = captureLogger();
    const server = await forkEmbeddedCouch({ dataDir, logger, logLevel: 'silent' });
    try {
      const photos = nano(server.url).use<{ n: number }>('photos');
      await nano(server.url).db.create('photos');
      await photos.insert({ _id: 'kept', n: 1 });

      const failed = server.pid;
      const freeSpace = await failNextFlush(server.url, dataDir, 'photos', failed);
      expect(await writeUntilRefused(server.url, 'photos')).toMatch(/^IO error: .*File too large/);
      freeSpace();

      await waitFor(() => server.pid !== failed, 50);
      expect(isRunning(failed)).toBe(false);
      await waitFor(() => fetch(server.url).then((r) => r.ok, () => false), 50);
      await expect(photos.insert({ _id: 'after', n: 2 })).resolves.toMatchObject({ ok: true });
      expect(await photos.get('kept')).toMatchObject({ n: 1 });
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ level: 'error', fields: expect.objectContaining({ childPid: failed, error: expect.stringMatching(/File too large/) }) }),
      );
    } finally {
      await server.close();
    }
  });

  it('keeps trying to start the replacement until it can (here: its port is taken for a while)', async () => {
    const logger = captureLogger();
    const server = await forkEmbeddedCouch({ dataDir, logger, logLevel: 'silent', restartBackoffMs: 10 });
    const port = Number(new URL(server.url).port);
    const blocker = net.createServer();
    try {
      await nano(server.url).db.create('photos');
      const failed = server.pid;
      await failNextFlush(server.url, dataDir, 'photos', failed);
      await writeUntilRefused(server.url, 'photos');

      // Take the port the moment the failed child lets go of it, and hold it past the four
      // attempts a crash restart makes.
      await waitFor(() => new Promise<boolean>((resolve) => {
        blocker.once('error', () => resolve(false));
        blocker.listen(port, '127.0.0.1', () => resolve(true));
      }), 10);
      await waitFor(() => logger.entries.filter((e) => e.msg === 'embedded CouchDB child failed to restart').length >= 5, 50);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));

      await waitFor(() => server.pid !== failed && isRunning(server.pid), 50);
      await waitFor(() => fetch(server.url).then((r) => r.ok, () => false), 50);
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
      await expect(nano(server.url).use('photos').insert({ _id: 'after' })).resolves.toMatchObject({ ok: true });
    } finally {
      if (blocker.listening) blocker.close();
      await server.close();
    }
  });

  it('stores the writes refused meanwhile once the new child runs: nothing is lost', async () => {
    const server = await forkEmbeddedCouch({ dataDir, logger: silent, logLevel: 'silent' });
    const prefix = uniquePrefix();
    const store = await createCouchStore({ url: server.url, mode: 'embedded', logger: silent, dbPrefix: prefix, retry: { initialDelayMs: 50, maxDelayMs: 2_000 } });
    try {
      const before = makeLifecycle(makeRequestId());
      await store.startRequest(before.started);
      await waitFor(() => store.pendingWrites() === 0);

      const freeSpace = await failNextFlush(server.url, dataDir, `${prefix}requests`, server.pid);
      await writeUntilRefused(server.url, `${prefix}requests`);
      const during = makeLifecycle(makeRequestId());
      await store.startRequest(during.started);
      freeSpace();

      await waitFor(() => store.pendingWrites() === 0, 50);
      expect(await store.getRequest(during.started.requestId)).toMatchObject({ status: 'processing' });
      expect(await store.getRequest(before.started.requestId)).toMatchObject({ status: 'processing' });
      expect(await store.health()).toMatchObject({ status: 'ok', lostWrites: 0 });
    } finally {
      await store.close();
      await server.close();
    }
  });
});
