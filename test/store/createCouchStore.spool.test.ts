/**
 * Writes still queued when the store closes against a database that is down are kept in the
 * spool on disk and replayed, in order, by the next store over the same folder, against the real
 * embedded server: stopped (nothing on its port) for the outage, started again for the replay.
 */
import fs from 'node:fs';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import path from 'node:path';
import { createCouchStore, type CouchStoreOptions } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { captureLogger } from '../support/captureLogger';
import { freePort } from '../support/freePort';
import { forkSpoolClaimer, type SpoolClaimer } from './support/forkSpoolClaimer';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startForwardingProxy } from './support/startForwardingProxy';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';
import { storedBytes } from './support/storedBytes';

jest.setTimeout(60_000);

// Short back-off so the queue notices the server's return quickly; a short close deadline, since
// the database is down when these stores close.
const retry = { initialDelayMs: 20, maxDelayMs: 200 };

describe('createCouchStore with a write spool', () => {
  let dataDir: string;
  let spoolDir: string;
  let dbPrefix: string;
  let url: string;
  let port: number;
  let server: EmbeddedCouch | undefined;
  let stores: CouchStore[];
  let logger: ReturnType<typeof captureLogger>;
  let claimer: SpoolClaimer | undefined;

  beforeEach(async () => {
    dataDir = tempDataDir();
    spoolDir = path.join(dataDir, 'service', 'spool');
    dbPrefix = uniquePrefix();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    stores = [];
    logger = captureLogger();
  });

  afterEach(async () => {
    claimer?.process.kill('SIGKILL');
    await claimer?.exited;
    claimer = undefined;
    for (const store of stores) await store.close();
    await server?.close();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const startServer = async () => {
    server = await startEmbeddedCouch({ dataDir: path.join(dataDir, 'db'), port, logger: createLogger({ level: 'silent' }) });
  };
  const open = async (options: Partial<CouchStoreOptions> = {}) => {
    const store = await createCouchStore({ url, mode: 'external', logger, dbPrefix, retry, spoolDir, closeTimeoutMs: 50, ...options });
    stores.push(store);
    return store;
  };
  const spoolEntries = () => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir).filter((name) => /\.(json|claim)$/.test(name)) : []);
  /** A store closed while the database is down, with one request's start record and result queued: both spooled. */
  const spoolStartAndFinish = async () => {
    const lifecycle = makeLifecycle(makeRequestId());
    const first = await open();
    await first.startRequest(lifecycle.started);
    await first.finishRequest(lifecycle.finished);
    await first.close();
    return { lifecycle, id: lifecycle.started.requestId };
  };

  it('spools what is queued at close while the database is down, and the next store replays all of it', async () => {
    const lifecycle = makeLifecycle(makeRequestId());
    const id = lifecycle.started.requestId;
    const first = await open();
    await first.startRequest(lifecycle.started);
    await first.storeImage(id, { index: 1, mimeType: 'image/jpeg', data: lifecycle.finished.images[0].data as Buffer });
    for (const event of lifecycle.events) first.appendEvent(event);
    await first.finishRequest(lifecycle.finished);
    await first.close();

    expect(spoolEntries()).toHaveLength(3 + lifecycle.events.length);
    expect(logger.entries.some((e) => e.level === 'warn' && /spooled/.test(e.msg) && e.fields.spooledWrites === 3 + lifecycle.events.length)).toBe(true);
    expect(logger.entries.some((e) => /they are lost/.test(e.msg))).toBe(false);
    expect((await first.health()).lostWrites).toBe(0);

    await startServer();
    const second = await open();
    await waitFor(() => spoolEntries().length === 0);
    expect(await second.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
    for (const image of lifecycle.finished.images) expect((await storedBytes(second.getImage(id, image.index)))?.equals(image.data as Buffer)).toBe(true);
    expect((await storedBytes(second.getOriginal(id)))?.equals(lifecycle.started.original)).toBe(true);
    expect((await second.getEvents(id)).map((event) => event.type)).toEqual(lifecycle.events.map((event) => event.type));
    expect(fs.readdirSync(spoolDir)).toEqual([]);
    expect(await second.health()).toMatchObject({ status: 'ok', spooledWrites: 0, lostWrites: 0 });
  });

  it("replays each request's writes in the order they were made: the start record before the result", async () => {
    const { lifecycle, id } = await spoolStartAndFinish();

    await startServer();
    const seen: string[] = [];
    const proxy = await startForwardingProxy(url, (req) => {
      if (req.method === 'PUT' && req.url?.includes(id)) seen.push(decodeURIComponent(req.url.split('?')[0]).split('/').slice(2).join('/'));
      return false;
    });
    try {
      const second = await open({ url: proxy.url });
      await waitFor(() => spoolEntries().length === 0);
      // Start: the document, then its upload; finish: the images, then the document.
      expect(seen.indexOf(`${id}/original`)).toBeGreaterThan(-1);
      expect(seen.indexOf(`${id}/original`)).toBeLessThan(seen.indexOf(`${id}/image-1`));
      expect(seen[seen.length - 1]).toBe(id);
      expect(await second.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, totalTime: lifecycle.finished.totalTime });
    } finally {
      await proxy.close();
    }
  });

  it('keeps the spool while the database is still down at start, says so in health, and replays it once the database returns', async () => {
    const { id } = await spoolStartAndFinish();

    const second = await open();
    expect(await second.health()).toMatchObject({ status: 'error', spooledWrites: 2 });
    // Nothing was stored, and a second stop while still down keeps the same entries, given back
    // as they were (unclaimed).
    await second.close();
    expect(spoolEntries()).toHaveLength(2);
    expect(spoolEntries().every((name) => name.endsWith('.json'))).toBe(true);

    const third = await open();
    await startServer();
    await waitFor(() => spoolEntries().length === 0);
    expect(await third.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true });
    expect(await third.health()).toMatchObject({ spooledWrites: 0 });
  });

  it('queues a long spool a window at a time, leaving the queue room for live writes, and replays all of it', async () => {
    const id = makeRequestId();
    // Not terminal, so each gets the next number of the request's log.
    const step = makeLifecycle(id).events.find((event) => event.type === 'analysis_started') as PipelineEvent;
    const events = Array.from({ length: 250 }, () => step);
    const first = await open();
    for (const event of events) first.appendEvent(event);
    await first.close();
    expect(spoolEntries()).toHaveLength(250);

    const second = await open();
    expect(second.pendingWrites()).toBe(100);
    expect(await second.health()).toMatchObject({ spooledWrites: 250 });
    await startServer();
    await waitFor(() => spoolEntries().length === 0);
    expect(await second.getEvents(id)).toHaveLength(250);
  });

  it('replays each spooled write exactly once when two stores over the same spool start together', async () => {
    const lifecycle = makeLifecycle(makeRequestId());
    const id = lifecycle.started.requestId;
    const step = lifecycle.events.find((event) => event.type === 'analysis_started') as PipelineEvent;
    const first = await open();
    await first.startRequest(lifecycle.started);
    for (let i = 0; i < 40; i++) first.appendEvent(step);
    await first.finishRequest(lifecycle.finished);
    await first.close();
    expect(spoolEntries()).toHaveLength(42);

    await startServer();
    const [a, b] = await Promise.all([open(), open()]);
    await waitFor(() => spoolEntries().length === 0);
    // The two took 42 entries between them, none twice, and wrote each once.
    const replaying = logger.entries.filter((e) => /^replaying writes spooled/.test(e.msg)).map((e) => e.fields.spooledWrites as number);
    expect(replaying.reduce((sum, n) => sum + n, 0)).toBe(42);
    expect(await a.getEvents(id)).toHaveLength(40);
    expect(await b.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true, imagesGenerated: 3 });
  });

  it('leaves entries claimed by a running process to it, and takes them over once it is killed', async () => {
    const { id } = await spoolStartAndFinish();
    claimer = await forkSpoolClaimer(spoolDir);
    expect(claimer.claimed).toBe(2);

    await startServer();
    const second = await open();
    expect(await second.health()).toMatchObject({ status: 'ok', spooledWrites: 0 });
    expect(logger.entries.some((e) => /another running store/.test(e.msg) && e.fields.heldWrites === 2)).toBe(true);
    expect(spoolEntries().filter((name) => name.endsWith('.claim'))).toHaveLength(2);
    await expect(second.getRequest(id)).resolves.toBeNull();

    claimer.process.kill('SIGKILL');
    await claimer.exited;
    const third = await open();
    await waitFor(() => spoolEntries().length === 0);
    expect(await third.getRequest(id)).toMatchObject({ status: 'completed', hasOriginal: true });
  });

  it('sets aside a corrupt spool entry with a log line and still replays the others', async () => {
    const kept = makeLifecycle(makeRequestId());
    const broken = makeLifecycle(makeRequestId());
    const first = await open();
    await first.startRequest(broken.started);
    await first.startRequest(kept.started);
    await first.close();
    // The entry of the broken request's start record: lanes are spooled in no set order between them.
    const brokenEntry = spoolEntries().find((name) => fs.readFileSync(path.join(spoolDir, name), 'utf8').includes(broken.started.requestId)) as string;
    expect(brokenEntry).toBeDefined();
    fs.writeFileSync(path.join(spoolDir, brokenEntry), '{"version":1,"lane":');

    await startServer();
    const second = await open();
    await waitFor(() => spoolEntries().length === 0);
    expect(await second.getRequest(kept.started.requestId)).toMatchObject({ status: 'processing', hasOriginal: true });
    expect(await second.getRequest(broken.started.requestId)).toBeNull();
    expect(fs.readdirSync(path.join(spoolDir, 'corrupt'))).toContain(brokenEntry);
    expect(logger.entries.some((e) => e.level === 'error' && /corrupt/.test(e.msg))).toBe(true);
  });

  it('closes and logs the writes as lost when the spool cannot be written', async () => {
    fs.mkdirSync(path.dirname(spoolDir), { recursive: true });
    fs.writeFileSync(spoolDir, 'a file where the spool folder should be');
    const first = await open();
    const lifecycle = makeLifecycle(makeRequestId());
    await first.startRequest(lifecycle.started);
    await first.finishRequest(lifecycle.finished);
    await first.close();

    expect(logger.entries.some((e) => e.level === 'error' && e.fields.lostWrites === 2 && /lost/.test(e.msg))).toBe(true);
    expect(await first.health()).toMatchObject({ lostWrites: 2 });
  });
});
