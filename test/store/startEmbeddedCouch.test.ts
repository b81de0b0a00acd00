/**
 * The embedded CouchDB-compatible server, spoken to by nano over real HTTP.
 */
import fs from 'node:fs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import leveldown from 'leveldown';
import nano from 'nano';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { tempDataDir } from './support/storeTarget';
import { freePort } from '../support/freePort';

const logger = createLogger({ level: 'silent' });

describe('startEmbeddedCouch', () => {
  let dataDir: string;
  const started: EmbeddedCouch[] = [];

  beforeEach(() => {
    dataDir = tempDataDir();
  });

  afterEach(async () => {
    for (const server of started.splice(0)) await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(options: { port?: number; dir?: string } = {}): Promise<EmbeddedCouch> {
    const server = await startEmbeddedCouch({ dataDir: options.dir ?? dataDir, port: options.port, logger });
    started.push(server);
    return server;
  }

  it('speaks the CouchDB API nano uses: root, session, _all_dbs, _uuids, databases, documents, attachments, views', async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const couch = nano(url);

    expect(await couch.info()).toMatchObject({ version: expect.any(String) });
    expect(await couch.session()).toMatchObject({ ok: true });
    expect((await couch.uuids(3)).uuids).toHaveLength(3);

    await couch.db.create('photos');
    await expect(couch.db.create('photos')).rejects.toMatchObject({ statusCode: 412 });
    expect(await couch.db.list()).toContain('photos');

    const db = couch.use<{ status: string }>('photos');
    const created = await db.insert({ _id: 'req_1', status: 'processing' });
    await expect(db.insert({ _id: 'req_1', status: 'again' })).rejects.toMatchObject({ statusCode: 409 });
    const bytes = randomBytes(256 * 1024);
    await db.attachment.insert('req_1', 'original', bytes, 'image/png', { rev: created.rev });
    const back = await db.attachment.get('req_1', 'original');
    expect(Buffer.compare(back, bytes)).toBe(0);
    const doc = await db.get('req_1');
    expect(doc._attachments?.original).toMatchObject({ content_type: 'image/png', length: bytes.length, stub: true });

    await db.insert({ _id: '_design/q', views: { by_status: { map: 'function (doc) { emit(doc.status, null); }' } } });
    const view = await db.view('q', 'by_status', { key: 'processing' });
    expect(view.rows.map((row) => row.id)).toEqual(['req_1']);
    await expect(db.get('missing')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps its data across a restart on the same directory', async () => {
    const first = await startEmbeddedCouch({ dataDir, logger });
    await nano(first.url).db.create('kept');
    await nano(first.url).use<{ n: number }>('kept').insert({ _id: 'a', n: 1 });
    await first.close();

    const second = await start();
    expect(await nano(second.url).db.list()).toContain('kept');
    expect(await nano(second.url).use<{ n: number }>('kept').get('a')).toMatchObject({ n: 1 });
  });

  it('creates a missing data directory, parents included', async () => {
    const nested = `${dataDir}/a/b/c`;
    const { url } = await start({ dir: nested });
    await nano(url).db.create('x');
    expect(fs.existsSync(nested)).toBe(true);
  });

  it('listens on loopback only and refuses any other host', async () => {
    await expect(startEmbeddedCouch({ dataDir, host: '0.0.0.0', logger })).rejects.toThrow(/loopback/);
  });

  it('names the port when it is taken', async () => {
    const port = await freePort();
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(start({ port })).rejects.toThrow(String(port));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('closes idempotently, frees its port and releases the LevelDB lock', async () => {
    const port = await freePort();
    const server = await startEmbeddedCouch({ dataDir, port, logger });
    await nano(server.url).db.create('locked');
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(nano(server.url).info()).rejects.toThrow();
    // Same port, same files: only possible when the socket and the LevelDB lock were released.
    const again = await start({ port });
    expect(await nano(again.url).db.list()).toContain('locked');
  });

  it('opens every LevelDB with a block cache smaller than leveldown\'s 8 MB default', async () => {
    // Every leveldown database shares this prototype; watchedLeveldown calls its _open.
    const nativeOpen = jest.spyOn(Object.getPrototypeOf(leveldown(`${dataDir}/probe`)) as { _open(...args: unknown[]): void }, '_open');
    try {
      const couch = nano((await start()).url);
      await couch.db.create('photos');
      const db = couch.use<{ status: string }>('photos');
      await db.insert({ _id: 'req_1', status: 'done' });
      await db.insert({ _id: '_design/q', views: { by_status: { map: 'function (doc) { emit(doc.status, null); }' } } });
      await db.view('q', 'by_status');
      // The lock, _all_dbs, the database and its view index at least.
      expect(nativeOpen.mock.calls.length).toBeGreaterThanOrEqual(4);
      for (const [options] of nativeOpen.mock.calls) {
        expect((options as { cacheSize?: number }).cacheSize).toBeLessThan(8 * 1024 * 1024);
      }
    } finally {
      nativeOpen.mockRestore();
    }
  });

  it('stores an attachment without turning its bytes into JSON, and still gives each revision a new id', async () => {
    // PouchDB's default deterministic revisions hash JSON.stringify of the document, attachment
    // bytes included: Buffer#toJSON makes an array of one number per byte (~40× the bytes in memory).
    const toJson = jest.spyOn(Buffer.prototype, 'toJSON');
    try {
      const couch = nano((await start()).url);
      await couch.db.create('photos');
      const db = couch.use('photos');
      const bytes = randomBytes(256 * 1024);
      await db.attachment.insert('req_1', 'image-1', bytes, 'image/jpeg');
      const first = await db.get('req_1');
      await db.attachment.insert('req_1', 'image-2', bytes, 'image/jpeg', { rev: first._rev });
      const second = await db.get('req_1');
      expect(Buffer.compare(await db.attachment.get('req_1', 'image-2'), bytes)).toBe(0);
      expect(second._rev).toMatch(/^2-[0-9a-f]{32}$/);
      expect(second._attachments).toMatchObject({ 'image-1': { length: bytes.length }, 'image-2': { length: bytes.length } });
      const serialised = toJson.mock.contexts.filter((buffer) => (buffer as Buffer).length >= bytes.length);
      expect(serialised).toHaveLength(0);
    } finally {
      toJson.mockRestore();
    }
  });
});
