import type { Logger } from '../logging/Logger';
import type { CouchStore } from './CouchStore';
import { createCouchStore, type CouchStoreOptions } from './createCouchStore';

export interface RequestStoreOptions {
  /** External CouchDB (credentials allowed in the URL). Unset: the embedded server over `dataDir`. */
  couchdbUrl?: string;
  /** Where the embedded server keeps its LevelDB files. */
  dataDir: string;
  logger: Logger;
  /** Passed to createCouchStore (tests use a unique prefix per run, and short retries). */
  storeOptions?: Omit<CouchStoreOptions, 'url' | 'mode' | 'logger'>;
}

export interface RequestStoreHandle {
  store: CouchStore;
  /** Closes the store (flushing queued writes), then the embedded server if one was started. Idempotent. */
  close(): Promise<void>;
}

/**
 * The store the service uses (SPEC §5): nano against `couchdbUrl` when given, otherwise against
 * an embedded CouchDB-compatible server started on loopback over `dataDir`.
 */
export async function createRequestStore(options: RequestStoreOptions): Promise<RequestStoreHandle> {
  const embedded = options.couchdbUrl
    ? undefined
    : // Required only in embedded mode: PouchDB and LevelDB cost ~13 MB of RSS an external CouchDB never needs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await (require('./startEmbeddedCouch') as typeof import('./startEmbeddedCouch')).startEmbeddedCouch({
        dataDir: options.dataDir,
        logger: options.logger,
      });
  let store: CouchStore;
  try {
    store = await createCouchStore({
      ...options.storeOptions,
      url: options.couchdbUrl ?? (embedded as { url: string }).url,
      mode: embedded ? 'embedded' : 'external',
      logger: options.logger,
    });
  } catch (err) {
    await embedded?.close();
    throw err;
  }
  let closePromise: Promise<void> | undefined;
  return {
    store,
    close() {
      closePromise ??= (async () => {
        await store.close();
        await embedded?.close();
      })();
      return closePromise;
    },
  };
}
