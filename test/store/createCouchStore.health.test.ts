/**
 * The store's health probe under a burst of callers: several health checks at once share one
 * probe, so the database sees one round of calls, and a later check probes afresh.
 */
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { captureLogger } from '../support/captureLogger';
import { startForwardingProxy, type ForwardingProxy } from './support/startForwardingProxy';
import { startStoreTarget, uniquePrefix, type StoreTarget } from './support/storeTarget';

describe('createCouchStore health', () => {
  let target: StoreTarget;
  let proxy: ForwardingProxy;
  let store: CouchStore;
  /** Server welcomes (`GET /`) asked of the database, the first call of every probe. */
  let welcomes = 0;

  beforeAll(async () => {
    target = await startStoreTarget();
    proxy = await startForwardingProxy(target.url, (req) => {
      if (req.method === 'GET' && req.url === '/') welcomes += 1;
      return false;
    });
    store = await createCouchStore({ url: proxy.url, mode: 'external', logger: captureLogger(), dbPrefix: uniquePrefix() });
  });
  afterAll(async () => {
    await store.close();
    await proxy.close();
    await target.close();
  });

  it('answers callers that ask during a probe from that probe, and probes again afterwards', async () => {
    welcomes = 0;
    const burst = await Promise.all(Array.from({ length: 10 }, () => store.health()));
    expect(welcomes).toBe(1);
    expect(new Set(burst).size).toBe(1);
    expect(burst[0]).toMatchObject({ status: 'ok', reachable: true });

    const later = await store.health();
    expect(welcomes).toBe(2);
    expect(later).not.toBe(burst[0]);
  });
});
