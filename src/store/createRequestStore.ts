import path from 'node:path';
import type { LogLevel } from '../logging/createLogger';
import type { Logger } from '../logging/Logger';
import type { CouchStore } from './CouchStore';
import { createCouchStore, type CouchStoreOptions } from './createCouchStore';
import { prepareDataDir } from './prepareDataDir';
import type { EmbeddedCouch } from './startEmbeddedCouch';

export interface RequestStoreOptions {
  /** External CouchDB (credentials allowed in the URL). Unset: the embedded server over `dataDir`. */
  couchdbUrl?: string;
  /**
   * Where the embedded server keeps its LevelDB files, and, in both modes, where writes still
   * queued at close are spooled (`spool/`) for the next start to replay.
   */
  dataDir: string;
  logger: Logger;
  /**
   * Where the embedded server runs: its own child process (default; keeps PouchDB's memory and
   * attachment work out of this process) or inside this one (starts faster: tests).
   */
  embedded?: 'child-process' | 'in-process';
  /** Log level of the embedded server's child process (its lines go to this process's stdout). Default 'warn'. */
  embeddedLogLevel?: LogLevel;
  /** Passed to createCouchStore (tests use a unique prefix per run, and short retries). */
  storeOptions?: Omit<CouchStoreOptions, 'url' | 'mode' | 'logger'>;
}

export interface RequestStoreHandle {
  store: CouchStore;
  /** Closes the store (flushing queued writes), then the embedded server if one was started. Idempotent. */
  close(): Promise<void>;
  /** The embedded server's child process, in child-process mode. */
  readonly embeddedPid?: number;
}

/**
 * The store the service uses (SPEC §5): nano against `couchdbUrl` when given, otherwise against
 * an embedded CouchDB-compatible server started on loopback over `dataDir`, by default in a
 * child process of its own (`embedded`) or in this process; its mode is then 'embedded'. Writes still
 * queued at close are spooled in `dataDir/spool` and replayed at the next start (both modes).
 */
export async function createRequestStore(options: RequestStoreOptions): Promise<RequestStoreHandle> {
  if (!options.couchdbUrl) await prepareDataDir(options.dataDir);
  const embedded = options.couchdbUrl ? undefined : await startEmbedded(options);
  let store: CouchStore;
  try {
    store = await createCouchStore({
      spoolDir: path.join(options.dataDir, 'spool'),
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
    get embeddedPid() {
      return embedded?.pid;
    },
    close() {
      closePromise ??= (async () => {
        await store.close();
        await embedded?.close();
      })();
      return closePromise;
    },
  };
}

/** Modules are required here, not imported: each mode loads only what it runs. */
function startEmbedded(options: RequestStoreOptions): Promise<EmbeddedCouch> {
  if ((options.embedded ?? 'child-process') === 'child-process') {
    // PouchDB and LevelDB are loaded in the child only: this process never pays their ~20 MB.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { forkEmbeddedCouch } = require('./forkEmbeddedCouch') as typeof import('./forkEmbeddedCouch');
    return forkEmbeddedCouch({ dataDir: options.dataDir, logger: options.logger, logLevel: options.embeddedLogLevel });
  }
  // Required only in embedded mode: PouchDB and LevelDB cost ~13 MB of RSS an external CouchDB never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEmbeddedCouch } = require('./startEmbeddedCouch') as typeof import('./startEmbeddedCouch');
  return startEmbeddedCouch({ dataDir: options.dataDir, logger: options.logger });
}
