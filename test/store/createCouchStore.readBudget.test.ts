/**
 * The store's budget of attachment reads: the embedded server holds a whole copy of an
 * attachment while it sends it, so downloads beyond the budget wait for their turn, and one that
 * waits longer than the read deadline is the database being unavailable (503), not a pile-up in
 * the database's memory.
 */
import { randomBytes } from 'node:crypto';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { StoreError } from '../../src/store/StoreError';
import { captureLogger } from '../support/captureLogger';
import { makeLifecycle, makeRequestId } from './support/lifecycle';
import { startAttachmentProxy, type AttachmentProxy } from './support/startAttachmentProxy';
import { startStoreTarget, waitFor, type StoreTarget } from './support/storeTarget';

describe('CouchStore attachment reads within maxAttachmentReadBytesInFlight', () => {
  let target: StoreTarget;
  let proxy: AttachmentProxy;
  let store: CouchStore;
  const id = makeRequestId(Date.now() - 10_000);
  const original = randomBytes(256 * 1024);
  const whole = { start: 0, end: original.length - 1 };

  beforeAll(async () => {
    target = await startStoreTarget();
    proxy = await startAttachmentProxy(target.url, { firstBytes: 1024 });
    store = await createCouchStore({
      url: proxy.url,
      mode: target.mode,
      logger: captureLogger(),
      dbPrefix: target.dbPrefix,
      maxAttachmentReadBytesInFlight: original.length,
      readTimeoutMs: 500,
    });
    const lifecycle = makeLifecycle(id, { original, images: [randomBytes(1024)] });
    await store.startRequest(lifecycle.started);
    await store.finishRequest(lifecycle.finished);
    await waitFor(() => store.pendingWrites() === 0);
  });
  afterAll(async () => {
    proxy.release();
    await store.close();
    await proxy.close();
    await target.close();
  });

  it('answers a download past the budget as unavailable, without asking the database, until the one before it closes', async () => {
    const upload = (await store.getOriginal(id))!;
    proxy.reads.length = 0;
    proxy.afterFirstBytes = 'hold';
    const first = (await upload.open(whole, new AbortController().signal))!;

    const refused = upload.open(whole, new AbortController().signal);
    await expect(refused).rejects.toBeInstanceOf(StoreError);
    await expect(refused).rejects.toMatchObject({ kind: 'unavailable' });
    expect(proxy.reads).toHaveLength(1);

    first.destroy();
    proxy.afterFirstBytes = 'continue';
    const next = (await upload.open({ start: 0, end: 99 }, new AbortController().signal))!;
    const chunks: Buffer[] = [];
    for await (const chunk of next) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(original.subarray(0, 100))).toBe(true);
    expect(proxy.reads).toHaveLength(2);
  });
});
