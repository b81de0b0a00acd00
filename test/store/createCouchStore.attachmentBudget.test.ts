/**
 * The store's attachment budget against the embedded server: the attachment bytes it sends at
 * once stay within the budget whatever the number of requests writing, an attachment larger than
 * the budget is still stored (alone), and small writes are not held behind waiting attachments.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { createLogger } from '../../src/logging/createLogger';
import { sha256Hex } from '../../src/util/sha256Hex';
import { captureLogger } from '../support/captureLogger';
import { makeRequestId } from './support/lifecycle';
import { tempDataDir, uniquePrefix, waitFor } from './support/storeTarget';
import { storedBytes } from './support/storedBytes';

/** What the proxy saw each time an attachment write reached it. */
interface InFlight {
  writes: number;
  bytes: number;
}

interface CountingProxy {
  url: string;
  /** One entry per attachment write, taken as it arrived, counting it. */
  seen: InFlight[];
  /** Attachment writes that arrived and are not answered yet. */
  inFlight(): InFlight;
  /** Releases the attachment writes held so far and forwards later ones at once. */
  release(): void;
  close(): Promise<void>;
}

/** `PUT /db/doc/attachment`: three path segments (documents are PUT to `/db/doc`, the design document to `/db/_design/name`). */
function isAttachmentWrite(req: http.IncomingMessage): boolean {
  const segments = new URL(req.url ?? '/', 'http://x').pathname.split('/').slice(1);
  return req.method === 'PUT' && segments.length === 3 && segments[1] !== '_design';
}

/**
 * A proxy in front of the embedded server that counts the attachment writes in flight at it.
 * With `hold`, it keeps attachment writes (not other calls) until `release()`.
 */
async function startCountingProxy(target: string, hold: boolean): Promise<CountingProxy> {
  const upstream = new URL(target);
  const seen: InFlight[] = [];
  const current: InFlight = { writes: 0, bytes: 0 };
  let held: Array<() => void> | undefined = hold ? [] : undefined;
  const server = http.createServer((req, res) => {
    const forward = () => {
      const call = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      call.on('error', () => res.destroy());
      req.pipe(call);
    };
    if (!isAttachmentWrite(req)) return forward();
    const bytes = Number(req.headers['content-length']);
    current.writes += 1;
    current.bytes += bytes;
    seen.push({ ...current });
    res.on('close', () => {
      current.writes -= 1;
      current.bytes -= bytes;
    });
    if (held) held.push(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    inFlight: () => ({ ...current }),
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const forward of waiting) forward();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('createCouchStore attachment budget (embedded server)', () => {
  let dataDir: string;
  let server: EmbeddedCouch;
  let proxy: CountingProxy | undefined;
  let store: CouchStore | undefined;

  beforeEach(async () => {
    dataDir = tempDataDir();
    server = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
  });

  afterEach(async () => {
    proxy?.release();
    await store?.close();
    await proxy?.close();
    await server.close();
    store = undefined;
    proxy = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = async (hold: boolean, maxAttachmentBytesInFlight: number) => {
    proxy = await startCountingProxy(server.url, hold);
    store = await createCouchStore({ url: proxy.url, mode: 'embedded', logger: captureLogger(), dbPrefix: uniquePrefix(), maxAttachmentBytesInFlight });
    return { proxy, store };
  };

  it('never has more attachment bytes in flight than its budget, writes one larger than the budget alone, and stores every byte', async () => {
    const budget = 300 * 1024;
    const { proxy, store } = await open(true, budget);
    // Eight requests' images at once (the queue runs six side by side), and one larger than the budget.
    const images = [...Array.from({ length: 8 }, () => randomBytes(100 * 1024)), randomBytes(500 * 1024)];
    const ids = images.map((_, i) => makeRequestId(Date.now() + i));
    const writes = images.map((data, i) => store.storeImage(ids[i], { index: 1, mimeType: 'image/jpeg', data }));
    // Held at the proxy: three fill the budget (without it, every write the queue runs would arrive).
    await waitFor(() => proxy.inFlight().bytes >= budget);
    proxy.release();
    await Promise.all(writes);

    expect(store.pendingWrites()).toBe(0);
    expect(proxy.seen).toHaveLength(images.length);
    for (const { writes: count, bytes } of proxy.seen) expect(count === 1 || bytes <= budget).toBe(true);
    expect(proxy.seen.some(({ writes: count, bytes }) => count === 1 && bytes === 500 * 1024)).toBe(true);
    for (const [i, data] of images.entries()) {
      const stored = await store.getImage(ids[i], 1);
      expect(stored).toMatchObject({ mimeType: 'image/jpeg', sha256: sha256Hex(data) });
      expect(Buffer.compare((await storedBytes(stored)) ?? Buffer.alloc(0), data)).toBe(0);
    }
  });

  it('stores documents and events while attachment writes wait for the budget or the database', async () => {
    const { proxy, store } = await open(true, 100 * 1024);
    const images = Array.from({ length: 10 }, (_, i) => store.storeImage(makeRequestId(Date.now() + i), { index: 1, mimeType: 'image/png', data: randomBytes(100 * 1024) }));
    await waitFor(() => proxy.inFlight().writes === 1);

    const id = makeRequestId(Date.now() + 100);
    const createdAt = new Date().toISOString();
    // Resolves once stored (settleTimeoutMs is 10 s): not held behind the ten waiting images.
    await store.receiveRequest({ requestId: id, engine: 'local', createdAt });
    store.appendEvent({ type: 'processing_started', requestId: id, timestamp: createdAt, message: 'started' } as never);
    expect(await store.getRequest(id)).toMatchObject({ requestId: id, status: 'processing' });
    expect(proxy.inFlight().writes).toBe(1);

    proxy.release();
    await Promise.all(images);
    expect(store.pendingWrites()).toBe(0);
    expect(await store.getEvents(id)).toHaveLength(1);
  });

  it('refuses a budget that is not a number of bytes', async () => {
    await expect(createCouchStore({ url: server.url, mode: 'embedded', logger: captureLogger(), maxAttachmentBytesInFlight: -1 })).rejects.toThrow(/maxAttachmentBytesInFlight/);
    await expect(createCouchStore({ url: server.url, mode: 'embedded', logger: captureLogger(), maxAttachmentBytesInFlight: Number.NaN })).rejects.toThrow(/maxAttachmentBytesInFlight/);
  });
});
