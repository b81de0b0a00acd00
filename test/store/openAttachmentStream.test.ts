/**
 * Attachments streamed from a real CouchDB-compatible server (the embedded one, or COUCHDB_URL):
 * whole or one span, from a server that ignores Range (the embedded one) or answers it (206, as
 * CouchDB does), and what a server that stops, stalls or is given up on does to the stream.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { CouchError, type CouchClient } from '../../src/store/CouchClient';
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { startAttachmentProxy, type AttachmentProxy } from './support/startAttachmentProxy';
import { startStoreTarget, waitFor, type StoreTarget } from './support/storeTarget';

const DOC = 'req_1758260128188_zfubq1yiv';
const FIRST_BYTES = 64 * 1024;

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Resolves with the error that destroyed `body` while it is read to the end. */
async function failureOf(body: Readable): Promise<unknown> {
  try {
    await readAll(body);
  } catch (err) {
    return err;
  }
  throw new Error('the stream ended without failing');
}

describe('CouchClient.openAttachment', () => {
  let target: StoreTarget;
  let db: string;
  let data: Buffer;
  let direct: CouchClient;
  const proxies: AttachmentProxy[] = [];
  const clients: CouchClient[] = [];

  /** A client whose attachment answers pass through a proxy that can break them off. */
  async function throughProxy(options: { answerRanges?: boolean; timeoutMs?: number } = {}) {
    const proxy = await startAttachmentProxy(target.url, { firstBytes: FIRST_BYTES, answerRanges: options.answerRanges });
    proxies.push(proxy);
    // By default a deadline past waitFor's: only what a test does can end an answer the proxy holds.
    const client = createNanoCouchClient({ url: proxy.url, timeoutMs: options.timeoutMs ?? 60_000 });
    clients.push(client);
    return { proxy, client };
  }

  beforeAll(async () => {
    target = await startStoreTarget();
    db = `${target.dbPrefix}attachments`;
    direct = createNanoCouchClient({ url: target.url });
    await direct.createDatabase(db);
    data = randomBytes(512 * 1024);
    await direct.putAttachment(db, DOC, 'image-1', data, 'image/jpeg');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  afterAll(async () => {
    direct.close();
    await target.close();
  });

  it('streams the whole attachment, and one span of it', async () => {
    expect((await readAll((await direct.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 }))!)).equals(data)).toBe(true);
    const span = await direct.openAttachment(db, DOC, 'image-1', { start: 1000, end: 300_000 });
    expect((await readAll(span!)).equals(data.subarray(1000, 300_001))).toBe(true);
  });

  it('takes a span the server answered itself (206) as it is', async () => {
    const { proxy, client } = await throughProxy({ answerRanges: true });
    const span = await client.openAttachment(db, DOC, 'image-1', { start: 70_000, end: 70_009 });
    expect((await readAll(span!)).equals(data.subarray(70_000, 70_010))).toBe(true);
    expect(proxy.reads).toEqual([{ path: `/${db}/${DOC}/image-1`, range: 'bytes=70000-70009' }]);
  });

  it('is null for an attachment or a document that is not stored', async () => {
    expect(await direct.openAttachment(db, DOC, 'image-2', { start: 0, end: 9 })).toBeNull();
    expect(await direct.openAttachment(db, 'req_1758260128188_000000000', 'image-1', { start: 0, end: 9 })).toBeNull();
  });

  it('fails the stream with a CouchError when the server drops the connection mid-attachment', async () => {
    const { proxy, client } = await throughProxy();
    proxy.afterFirstBytes = 'die';
    const body = await client.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 });
    const err = await failureOf(body!);
    expect(err).toBeInstanceOf(CouchError);
    expect((err as CouchError).message).toMatch(/stopped sending/);
  });

  it('fails the stream when the server sends nothing more for the deadline', async () => {
    const { proxy, client } = await throughProxy({ timeoutMs: 1000 });
    proxy.afterFirstBytes = 'hold';
    const body = await client.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 });
    expect((await failureOf(body!)) as CouchError).toMatchObject({ name: 'CouchError', message: expect.stringMatching(/sent no attachment bytes for 1000 ms/) });
    await waitFor(() => proxy.abandoned() === 1);
  });

  it('does not count a reader that is slow to ask for more as a stalled server', async () => {
    const { client } = await throughProxy({ timeoutMs: 1000 });
    const body = (await client.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 }))!;
    body.pause();
    await once(body, 'readable');
    // Longer than the deadline without asking for bytes: the server is held back, not stalled.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await readAll(body)).equals(data)).toBe(true);
  });

  it('ends the call at the server when the stream is destroyed, or the client closed', async () => {
    const { proxy, client } = await throughProxy();
    proxy.afterFirstBytes = 'hold';
    const given = (await client.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 }))!;
    await once(given, 'readable');
    given.destroy();
    await waitFor(() => proxy.abandoned() === 1);

    const open = (await client.openAttachment(db, DOC, 'image-1', { start: 0, end: data.length - 1 }))!;
    client.close();
    expect(await failureOf(open)).toBeInstanceOf(CouchError);
    await waitFor(() => proxy.abandoned() === 2);
    await expect(client.openAttachment(db, DOC, 'image-1', { start: 0, end: 9 })).rejects.toThrow(/closed/);
  });
});
