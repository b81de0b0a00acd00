/**
 * Attachment reads within a byte budget, against a real CouchDB-compatible server behind a proxy
 * that sees every read: a read waits while the budget is taken, starts once a download before it
 * closes, and fails as the database being unavailable when it waits too long; a reader that gives
 * up while waiting leaves nothing behind.
 */
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { CouchError, type CouchClient } from '../../src/store/CouchClient';
import { createByteBudget } from '../../src/store/createByteBudget';
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { withAttachmentReadBudget } from '../../src/store/withAttachmentReadBudget';
import { startAttachmentProxy, type AttachmentProxy } from './support/startAttachmentProxy';
import { startStoreTarget, waitFor, type StoreTarget } from './support/storeTarget';

const DOC = 'req_1758260128188_zfubq1yiv';
const SIZE = 256 * 1024;

describe('withAttachmentReadBudget', () => {
  let target: StoreTarget;
  let proxy: AttachmentProxy;
  let raw: CouchClient;
  let db: string;
  const opened: Readable[] = [];

  beforeAll(async () => {
    target = await startStoreTarget();
    db = `${target.dbPrefix}reads`;
    const direct = createNanoCouchClient({ url: target.url, timeoutMs: 10_000 });
    await direct.createDatabase(db);
    await direct.putAttachment(db, DOC, 'original', randomBytes(SIZE), 'image/jpeg');
    direct.close();
    proxy = await startAttachmentProxy(target.url, { firstBytes: 1024 });
    raw = createNanoCouchClient({ url: proxy.url, timeoutMs: 10_000 });
  });
  beforeEach(() => {
    proxy.reads.length = 0;
    proxy.afterFirstBytes = 'hold';
  });
  afterEach(() => {
    for (const body of opened.splice(0)) body.destroy();
    proxy.release();
  });
  afterAll(async () => {
    raw.close();
    await proxy.close();
    await target.close();
  });

  const whole = { start: 0, end: SIZE - 1 };

  it('holds a read while the budget is taken and starts it once the download before it closes', async () => {
    const budget = createByteBudget(SIZE);
    const client = withAttachmentReadBudget(raw, budget, { waitMs: 60_000 });
    const first = await client.openAttachment(db, DOC, 'original', whole);
    opened.push(first!);
    const second = client.openAttachment(db, DOC, 'original', { start: 0, end: 99 });
    await waitFor(() => budget.stats().waiting === 1);
    expect(proxy.reads).toHaveLength(1);

    first!.destroy();
    const body = (await second)!;
    opened.push(body);
    expect(proxy.reads).toHaveLength(2);
    expect(budget.stats()).toEqual({ inFlightBytes: 100, waiting: 0 });
    body.destroy();
    await waitFor(() => budget.stats().inFlightBytes === 0);
  });

  it('fails a read that waited past waitMs as the database being unavailable, without reaching it', async () => {
    const budget = createByteBudget(SIZE);
    const client = withAttachmentReadBudget(raw, budget, { waitMs: 50 });
    opened.push((await client.openAttachment(db, DOC, 'original', whole))!);
    const late = client.openAttachment(db, DOC, 'original', whole);
    await expect(late).rejects.toBeInstanceOf(CouchError);
    await expect(late).rejects.toThrow(/busy/);
    expect(proxy.reads).toHaveLength(1);
    expect(budget.stats()).toEqual({ inFlightBytes: SIZE, waiting: 0 });
  });

  it('drops a waiting read whose caller gives up, with its own reason', async () => {
    const budget = createByteBudget(SIZE);
    const client = withAttachmentReadBudget(raw, budget, { waitMs: 60_000 });
    opened.push((await client.openAttachment(db, DOC, 'original', whole))!);
    const gone = new AbortController();
    const waiting = client.openAttachment(db, DOC, 'original', whole, { signal: gone.signal });
    await waitFor(() => budget.stats().waiting === 1);
    gone.abort(new Error('the client went away'));
    await expect(waiting).rejects.toThrow('the client went away');
    expect(budget.stats().waiting).toBe(0);
    expect(proxy.reads).toHaveLength(1);
  });
});
