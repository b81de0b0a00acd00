/**
 * The sweep for requests a stopped server left `processing`, as the service wires it: at start it
 * fails only those older than any live request can be (REQUEST_TIMEOUT_MS + 60 s), so a request
 * another instance on the same database is still running is left alone.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createCouchStore } from '../src/store/createCouchStore';
import type { CouchStore } from '../src/store/CouchStore';
import { makeRequestId, makeStarted } from './store/support/lifecycle';
import { captureLogger } from './support/captureLogger';
import { startStoreTarget, waitFor, type StoreTarget } from './store/support/storeTarget';
import { realPhotoJpeg } from './support/images';
import { startTestService, type TestService } from './support/startTestService';

const MINUTE = 60_000;

describe('createService: the sweep for interrupted requests', () => {
  let target: StoreTarget;
  let store: CouchStore;
  let service: TestService | undefined;

  beforeEach(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger: captureLogger(), dbPrefix: target.dbPrefix });
  });
  /** The request document as stored, with fields the store does not hand out. */
  async function rawRequest(requestId: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${target.url}/${target.dbPrefix}requests/${requestId}`);
    return (await res.json()) as Record<string, unknown>;
  }

  afterEach(async () => {
    await service?.close();
    service = undefined;
    await store.close();
    await target.close();
  });

  it('fails at start a request older than REQUEST_TIMEOUT_MS + 60 s, and leaves one younger still processing', async () => {
    // REQUEST_TIMEOUT_MS is 10 minutes: a request started 3 minutes ago may well still be running.
    const running = makeRequestId(Date.now() - 3 * MINUTE);
    const abandoned = makeRequestId(Date.now() - 12 * MINUTE);
    await store.startRequest(makeStarted(running, randomBytes(64)));
    await store.startRequest(makeStarted(abandoned, randomBytes(64)));
    await waitFor(() => store.pendingWrites() === 0);

    service = await startTestService({ REQUEST_TIMEOUT_MS: String(10 * MINUTE) }, { store });

    await waitFor(async () => (await store.getRequest(abandoned))?.status === 'failed');
    // Any other write the sweep queued has landed too.
    await waitFor(() => store.pendingWrites() === 0);
    expect(await store.getRequest(abandoned)).toMatchObject({ error: { code: 'INTERRUPTED' } });
    expect(await store.getRequest(running)).toMatchObject({ status: 'processing' });
  });

  it('leaves a request whose own deadline has not passed: another instance, with a longer REQUEST_TIMEOUT_MS, is still running it', async () => {
    // Started 5 minutes ago on an instance whose REQUEST_TIMEOUT_MS is 10 minutes.
    const createdAt = Date.now() - 5 * MINUTE;
    const elsewhere = makeRequestId(createdAt);
    await store.startRequest({ ...makeStarted(elsewhere, randomBytes(64)), deadlineAt: new Date(createdAt + 10 * MINUTE).toISOString() });
    const abandoned = makeRequestId(Date.now() - 12 * MINUTE);
    await store.startRequest(makeStarted(abandoned, randomBytes(64)));
    await waitFor(() => store.pendingWrites() === 0);

    // This instance's own grace (1 + 1 minutes) has passed for both.
    service = await startTestService({ REQUEST_TIMEOUT_MS: String(MINUTE) }, { store });

    await waitFor(async () => (await store.getRequest(abandoned))?.status === 'failed');
    await waitFor(() => store.pendingWrites() === 0);
    expect(await store.getRequest(elsewhere)).toMatchObject({ status: 'processing' });
  });

  it("records each request's deadline (createdAt + REQUEST_TIMEOUT_MS) in its start record, for the other instances' sweeps", async () => {
    service = await startTestService({ REQUEST_TIMEOUT_MS: String(7 * MINUTE), IMAGE_COUNT: '1' }, { store });
    const res = await request(service.httpUrl).post('/process-image').attach('image', await realPhotoJpeg(), 'photo.jpg').expect(200);
    const requestId = (res.body as { requestId: string }).requestId;
    await waitFor(() => store.pendingWrites() === 0);
    const doc = await rawRequest(requestId);
    expect(Date.parse(doc.deadlineAt as string) - Date.parse(doc.createdAt as string)).toBe(7 * MINUTE);
  });
});
