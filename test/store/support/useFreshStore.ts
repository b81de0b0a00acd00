/**
 * A fresh store for each test of the calling `describe`: its own server target (embedded, or
 * unique databases on COUCHDB_URL) and a logger that records what was logged. Read the fields
 * inside tests; they change before each one.
 */
import { createCouchStore } from '../../../src/store/createCouchStore';
import type { CouchStore } from '../../../src/store/CouchStore';
import { captureLogger } from '../../support/captureLogger';
import { startStoreTarget, type StoreTarget } from './storeTarget';

export interface FreshStore {
  target: StoreTarget;
  store: CouchStore;
  logger: ReturnType<typeof captureLogger>;
}

export function useFreshStore(): FreshStore {
  const fresh = {} as FreshStore;
  beforeEach(async () => {
    fresh.target = await startStoreTarget();
    fresh.logger = captureLogger();
    fresh.store = await createCouchStore({ url: fresh.target.url, mode: fresh.target.mode, logger: fresh.logger, dbPrefix: fresh.target.dbPrefix });
  });
  afterEach(async () => {
    await fresh.store.close();
    await fresh.target.close();
  });
  return fresh;
}
