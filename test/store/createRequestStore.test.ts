import fs from 'node:fs';
import path from 'node:path';
import { createRequestStore } from '../../src/store/createRequestStore';
import { isRunning } from '../support/processes';
import { captureLogger } from '../support/captureLogger';
import { forkStoreParent } from './support/forkStoreParent';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startStoreTarget, tempDataDir, waitFor } from './support/storeTarget';
import { storedBytes } from './support/storedBytes';

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

    // In-process here: the child-process case below covers the default mode.
    const first = await createRequestStore({ dataDir, embedded: 'in-process', logger: captureLogger() });
    expect(first.embeddedPid).toBeUndefined();
    expect(await first.store.health()).toMatchObject({ status: 'ok', mode: 'embedded', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    await first.store.startRequest(lifecycle.started);
    for (const event of lifecycle.events) first.store.appendEvent(event);
    await first.store.finishRequest(lifecycle.finished);
    await Promise.all([first.close(), first.close()]);
    expect(fs.existsSync(dataDir)).toBe(true);

    // The other mode over the same files: both speak to the same LevelDB layout.
    const second = await createRequestStore({ dataDir, embedded: 'child-process', logger: captureLogger() });
    try {
      expect(second.embeddedPid).not.toBe(process.pid);
      expect(await second.store.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
      expect((await storedBytes(second.store.getImage(id, 3)))?.equals(lifecycle.finished.images[2].data as Buffer)).toBe(true);
      expect((await storedBytes(second.store.getOriginal(id)))?.equals(lifecycle.started.original)).toBe(true);
      expect((await second.store.getEvents(id)).map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
      expect((await second.store.listRequests({ limit: 5 })).requests.map((r) => r.requestId)).toEqual([id]);
    } finally {
      await second.close();
    }
  });

  it('by default runs the embedded server in a child process, loads no PouchDB into the caller, and stops the child on close', async () => {
    // A fresh process: this test file itself has loaded PouchDB (for the embedded test target).
    const parent = await forkStoreParent(dataDir);
    const { report } = parent;
    try {
      expect(report.pouchModules).toEqual([]);
      expect(report.childPid).not.toBe(report.pid);
      expect(isRunning(report.childPid)).toBe(true);
      expect(report.health).toMatchObject({ status: 'ok', mode: 'embedded', reachable: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      expect(report.health.version).toMatch(/^express-pouchdb /);
    } finally {
      parent.process.send('close');
    }
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(isRunning(report.childPid)).toBe(false);
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
