/**
 * A CouchDB user without admin rights: a proxy in front of the embedded server answers 401 to
 * what only admins may do (create databases, write design documents), like CouchDB does.
 */
import fs from 'node:fs';
import http from 'node:http';
import nano from 'nano';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startEmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { startForwardingProxy } from './support/startForwardingProxy';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';

interface EmbeddedTarget {
  url: string;
  dbPrefix: string;
  close(): Promise<void>;
}

/** Always the embedded server: the proxy's own credentials would not pass a real CouchDB. */
async function startEmbeddedTarget(): Promise<EmbeddedTarget> {
  const dataDir = tempDataDir();
  const couch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
  return {
    url: couch.url,
    dbPrefix: uniquePrefix(),
    async close() {
      await couch.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Forwards to `target`, refusing requests `refuse` picks with 401 as CouchDB would. */
function startRefusingProxy(target: string, refuse: (req: http.IncomingMessage) => boolean) {
  return startForwardingProxy(
    target,
    (req, res) => {
      if (!refuse(req)) return false;
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', reason: 'You are not a server admin.' }));
      return true;
    },
    'user:pass',
  );
}

const isDbCreate = (req: http.IncomingMessage) => req.method === 'PUT' && /^\/[^/]+\/?$/.test(req.url ?? '');
const isDesignWrite = (req: http.IncomingMessage) => req.method === 'PUT' && /\/_design\//.test(req.url ?? '');

describe('createCouchStore as a user who is not an admin', () => {
  let target: EmbeddedTarget;
  let store: CouchStore | undefined;

  beforeEach(async () => {
    target = await startEmbeddedTarget();
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await target.close();
  });

  it('works with databases an admin created, and says why listings are missing when it may not write the design document', async () => {
    await nano(target.url).db.create(`${target.dbPrefix}requests`);
    await nano(target.url).db.create(`${target.dbPrefix}events`);
    const proxy = await startRefusingProxy(target.url, (req) => isDbCreate(req) || isDesignWrite(req));
    const logger = captureLogger();
    try {
      store = await createCouchStore({ url: proxy.url, mode: 'external', logger, dbPrefix: target.dbPrefix });
      const lifecycle = makeLifecycle(makeRequestId());
      await store.startRequest(lifecycle.started);
      for (const event of lifecycle.events) store.appendEvent(event);
      await store.finishRequest(lifecycle.finished);
      await waitFor(() => store?.pendingWrites() === 0);

      expect(await store.getRequest(lifecycle.started.requestId)).toMatchObject({ status: 'completed', hasOriginal: true });
      expect(await store.getEvents(lifecycle.started.requestId)).toHaveLength(lifecycle.events.length);
      expect((await store.health()).lostWrites).toBe(0);
      const warning = logger.entries.find((entry) => entry.level === 'warn' && /_design/.test(entry.msg));
      expect(warning?.msg).toMatch(/database admin/);
      // Credentials never reach the logs.
      expect(JSON.stringify(logger.entries)).not.toContain('pass@');
    } finally {
      await store?.close();
      await proxy.close();
    }
  });

  it('keeps writes queued (never lost at once) while it may not create missing databases', async () => {
    const proxy = await startRefusingProxy(target.url, isDbCreate);
    const logger = captureLogger();
    try {
      store = await createCouchStore({
        url: proxy.url,
        mode: 'external',
        logger,
        dbPrefix: target.dbPrefix,
        retry: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 1000 },
      });
      const lifecycle = makeLifecycle(makeRequestId());
      await store.startRequest(lifecycle.started);
      expect(store.pendingWrites()).toBe(1);
      expect((await store.health()).status).toBe('degraded');

      // An admin creates them; the queued write lands on its next attempt.
      await nano(target.url).db.create(`${target.dbPrefix}requests`);
      await nano(target.url).db.create(`${target.dbPrefix}events`);
      await waitFor(() => store?.pendingWrites() === 0);
      expect(await store.getRequest(lifecycle.started.requestId)).toMatchObject({ status: 'processing', hasOriginal: true });
      expect((await store.health()).lostWrites).toBe(0);
    } finally {
      await store?.close();
      await proxy.close();
    }
  });
});
