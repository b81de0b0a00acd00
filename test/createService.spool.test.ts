/**
 * The service against an external database (COUCHDB_URL: the real embedded server on a port of
 * its own) that is down: a request still gets its answer, and what its store could not write by
 * the time the service stops is spooled in DATA_DIR and stored by the next start over that folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createLogger } from '../src/logging/createLogger';
import { createCouchStore } from '../src/store/createCouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../src/store/startEmbeddedCouch';
import { makeRequestId, makeStarted } from './store/support/lifecycle';
import { waitFor } from './store/support/storeTarget';
import { startForwardingProxy } from './store/support/startForwardingProxy';
import { binaryBody } from './support/binaryBody';
import { freePort } from './support/freePort';
import { realPhotoJpeg } from './support/images';
import { startTestService, type TestService } from './support/startTestService';

jest.setTimeout(90_000);

const MINUTE = 60_000;

describe('createService: writes spooled while the database is down', () => {
  let root: string;
  let dataDir: string;
  let port: number;
  let server: EmbeddedCouch | undefined;
  let service: TestService | undefined;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-spool-'));
    dataDir = path.join(root, 'data');
    port = await freePort();
  });

  afterEach(async () => {
    await service?.close();
    service = undefined;
    await server?.close();
    server = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  const env = (more: Record<string, string> = {}) => ({ COUCHDB_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, IMAGE_COUNT: '2', ...more });
  const startServer = async () => {
    server = await startEmbeddedCouch({ dataDir: path.join(root, 'db'), port, logger: createLogger({ level: 'silent' }) });
  };
  const spoolDir = () => path.join(dataDir, 'spool');
  const spoolEntries = () => (fs.existsSync(spoolDir()) ? fs.readdirSync(spoolDir()).filter((name) => /\.(json|claim)$/.test(name)) : []);

  it('stores, at the next start, the result and images of a request answered while the database was down', async () => {
    service = await startTestService(env());
    const res = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'photo.jpg').expect(200);
    const { requestId } = res.body as { requestId: string };
    const images = (res.body.images as { index: number; imageData?: string }[]).filter((image) => image.imageData);
    expect(images).toHaveLength(2);
    await service.close();
    service = undefined;
    expect(spoolEntries().length).toBeGreaterThan(0);

    await startServer();
    service = await startTestService(env());
    await waitFor(() => spoolEntries().length === 0);
    const stored = await request(service.httpUrl).get(`/requests/${requestId}`).expect(200);
    expect(stored.body).toMatchObject({ requestId, status: 'completed', imagesGenerated: 2, totalTime: res.body.totalTime });
    for (const image of images) {
      const bytes = await request(service.httpUrl).get(`/requests/${requestId}/images/${image.index}`).buffer(true).parse(binaryBody).expect(200);
      expect(Buffer.compare(bytes.body as Buffer, Buffer.from(image.imageData as string, 'base64'))).toBe(0);
    }
    const events = await request(service.httpUrl).get(`/requests/${requestId}/events`).expect(200);
    expect(events.body.events.map((event: { type: string }) => event.type)).toContain('processing_completed');
    expect(fs.readdirSync(spoolDir())).toEqual([]);
  });

  it('fails as INTERRUPTED, once replayed, a request whose start record was spooled but which never finished', async () => {
    // A store over the same DATA_DIR stopped with the start record of a request 12 minutes old queued.
    const abandoned = makeRequestId(Date.now() - 12 * MINUTE);
    const before = await createCouchStore({ url: `http://127.0.0.1:${port}`, mode: 'external', logger: createLogger({ level: 'silent' }), spoolDir: spoolDir(), closeTimeoutMs: 50 });
    await before.startRequest(makeStarted(abandoned, randomBytes(64)));
    await before.close();
    expect(spoolEntries()).toHaveLength(1);

    await startServer();
    // The replayed start record is held back until the sweep's listing is answered, or 2 s: a
    // sweep that did not wait for the replay would list before it is stored, and miss it.
    let listed!: () => void;
    const listing = new Promise<void>((resolve) => (listed = resolve));
    const proxy = await startForwardingProxy(`http://127.0.0.1:${port}`, (req, res) => {
      if (req.url?.includes('_view/by_status')) res.on('finish', listed);
      if (req.method === 'PUT' && req.url?.includes(abandoned)) return Promise.race([listing, new Promise<void>((resolve) => setTimeout(resolve, 2000))]);
      return false;
    });
    try {
      service = await startTestService(env({ COUCHDB_URL: proxy.url, REQUEST_TIMEOUT_MS: String(10 * MINUTE) }));
      await waitFor(async () => (await request((service as TestService).httpUrl).get(`/requests/${abandoned}`)).body.status === 'failed');
      const stored = await request(service.httpUrl).get(`/requests/${abandoned}`).expect(200);
      expect(stored.body).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    } finally {
      await service?.close();
      service = undefined;
      await proxy.close();
    }
  });
});
