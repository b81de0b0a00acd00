import fs from 'node:fs';
import path from 'node:path';
import { createRequestStore } from '../../src/store/createRequestStore';
import { captureLogger } from './support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startStoreTarget, tempDataDir, waitFor } from './support/storeTarget';

describe('createRequestStore', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = path.join(tempDataDir(), 'data');
  });

  afterEach(() => {
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('without a CouchDB URL starts the embedded server in DATA_DIR, and the data survives a restart', async () => {
    const id = makeRequestId();
    const lifecycle = makeLifecycle(id);

    const first = await createRequestStore({ dataDir, logger: captureLogger() });
    expect(await first.store.health()).toMatchObject({ status: 'ok', mode: 'embedded', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    await first.store.startRequest(lifecycle.started);
    for (const event of lifecycle.events) first.store.appendEvent(event);
    await first.store.finishRequest(lifecycle.finished);
    await Promise.all([first.close(), first.close()]);
    expect(fs.existsSync(dataDir)).toBe(true);

    const second = await createRequestStore({ dataDir, logger: captureLogger() });
    try {
      expect(await second.store.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
      expect((await second.store.getImage(id, 3))?.data.equals(lifecycle.finished.images[2].data as Buffer)).toBe(true);
      expect((await second.store.getOriginal(id))?.data.equals(lifecycle.started.original)).toBe(true);
      expect((await second.store.getEvents(id)).map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
      expect((await second.store.listRequests({ limit: 5 })).requests.map((r) => r.requestId)).toEqual([id]);
    } finally {
      await second.close();
    }
  });

  it('with a CouchDB URL uses that server and starts nothing locally', async () => {
    const target = await startStoreTarget();
    const handle = await createRequestStore({
      couchdbUrl: target.url,
      dataDir,
      logger: captureLogger(),
      storeOptions: { dbPrefix: target.dbPrefix },
    });
    try {
      expect(await handle.store.health()).toMatchObject({ status: 'ok', mode: 'external' });
      const lifecycle = makeLifecycle(makeRequestId());
      await handle.store.startRequest(lifecycle.started);
      await waitFor(() => handle.store.pendingWrites() === 0);
      expect(await handle.store.getRequest(lifecycle.started.requestId)).toMatchObject({ status: 'processing' });
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      await handle.close();
      await target.close();
    }
  });
});
