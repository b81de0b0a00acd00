import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import PouchDB from 'pouchdb-node';
import expressPouchdb from 'express-pouchdb';
import { StartupError } from '../errors/StartupError';
import type { Logger } from '../logging/Logger';
import { watchedLeveldown, type LevelDbSettings } from './watchedLeveldown';
import { makeDirectory } from '../util/makeDirectory';

export interface EmbeddedCouchOptions {
  /** Directory of the LevelDB files (created when missing). */
  dataDir: string;
  /** Loopback only: the server has no authentication. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * How long to wait for another process to let go of `dataDir` before giving up (default 10 s):
   * after a `kill -9` of the service, its database child needs a moment to notice and exit.
   */
  lockWaitMs?: number;
  /**
   * Called once, on the first write LevelDB refuses for a failed table or manifest write or for
   * corruption (see isStorageFailure): it keeps refusing writes until it is reopened, so the
   * caller restarts this server (forkEmbeddedCouch replaces its child process). Logged at error
   * level either way.
   */
  onStorageFailure?: (err: Error) => void;
  logger: Logger;
}

export interface EmbeddedCouch {
  /** Base URL of the server, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** Stops the server and closes every database. Idempotent. */
  close(): Promise<void>;
  /** The process serving it when that is not this one (forkEmbeddedCouch), e.g. to read its memory. */
  pid?: number;
}

type PouchInstance = { name: string; close(): Promise<void> };

const CLASS_EVENTS = ['created', 'destroyed'];
/**
 * Each database (requests, events, a view index, _all_dbs, the lock) has its own block cache;
 * leveldown's 8 MB each would let reads of images hold up to 40 MB. 2 MB keeps the documents'
 * blocks; an attachment is one block of its own size, read from the operating system's cache
 * either way. The files on disk are the same.
 */
const LEVELDB_SETTINGS: LevelDbSettings = { cacheSize: 2 * 1024 * 1024 };
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Starts an embedded CouchDB-compatible HTTP server in this process: PouchDB's CouchDB layer
 * (express-pouchdb, minimal mode plus `_uuids`) over LevelDB files in `dataDir`.
 */
export async function startEmbeddedCouch(options: EmbeddedCouchOptions): Promise<EmbeddedCouch> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) {
    throw new Error(`embedded CouchDB listens on loopback only (it has no authentication); got host "${host}"`);
  }
  const logger = options.logger.child({ component: 'embedded-couchdb' });
  const dataDir = path.resolve(options.dataDir);
  // LevelDB creates its own directory but not the parents.
  await makeDirectory(dataDir);

  // Every database express-pouchdb opens (several per name, plus view indexes) is tracked so
  // close() can release the LevelDB locks; a class per server keeps two servers apart.
  const opened = new Set<PouchInstance>();
  let storageFailed = false;
  const db = watchedLeveldown((err) => {
    if (storageFailed) return;
    storageFailed = true;
    logger.error({ err, dataDir }, 'the embedded database failed to write to disk; it refuses writes until it is reopened (is the disk full?)');
    options.onStorageFailure?.(err);
  }, LEVELDB_SETTINGS);
  // deterministic_revs (PouchDB's default) makes each revision id an md5 of JSON.stringify of
  // the document, attachment bytes included: Buffer#toJSON turns them into an array of one number
  // per byte, ~40× the attachment in memory and seconds of CPU (a 40 MB image: 1.7 GB, 8 s).
  // Random ids, as CouchDB clients never rely on how a server derives them, cost nothing.
  const Base = PouchDB.defaults({ prefix: `${dataDir}${path.sep}`, db, deterministic_revs: false });
  const lock = await lockDataDir(Base, dataDir, options.lockWaitMs ?? 10_000, logger);
  class TrackedPouchDB extends Base {
    constructor(name: string, pouchOptions?: object) {
      super(name, pouchOptions);
      opened.add(this);
    }
  }

  const app = expressPouchdb({
    mode: 'minimumForPouchDB',
    // In-memory config: nothing is written to the working directory.
    inMemoryConfig: true,
    overrideMode: { include: ['config-infrastructure', 'routes/uuids'] },
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`embedded CouchDB: port ${options.port} on ${host} is already in use`)
          : err,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await lock.close().catch(() => undefined);
    throw err;
  });

  // express-pouchdb's _all_dbs tracker listens on PouchDB's class-level events, which all
  // subclasses share: note which listeners it adds so close() can remove them again. (Nobody
  // knows the URL yet, so no request can arrive before the PouchDB class is set.)
  const before = new Map(CLASS_EVENTS.map((event) => [event, new Set(PouchDB.listeners(event))]));
  const added: Array<{ event: string; listener: (...args: unknown[]) => void }> = [];
  const shutdown = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive sockets of clients would hold close() open.
      server.closeAllConnections();
    });
    // _all_dbs registers new databases asynchronously; its queue answers allDbs() only after
    // them, so this waits until every database created so far is on record.
    await (TrackedPouchDB as unknown as { allDbs?(): Promise<string[]> }).allDbs?.().catch(() => undefined);
    for (const { event, listener } of added) PouchDB.removeListener(event, listener);
    for (const db of opened) {
      // Several instances share one LevelDB; all but the first report "not open".
      await db.close().catch(() => undefined);
    }
    opened.clear();
    await lock.close().catch(() => undefined);
  };
  const noteAddedListeners = () => {
    for (const event of CLASS_EVENTS) {
      for (const listener of PouchDB.listeners(event)) {
        if (!before.get(event)?.has(listener)) added.push({ event, listener });
      }
    }
  };
  try {
    await app.setPouchDB(TrackedPouchDB);
    noteAddedListeners();
  } catch (err) {
    noteAddedListeners();
    await shutdown();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, dataDir }, 'embedded CouchDB-compatible server started');

  let closePromise: Promise<void> | undefined;
  return {
    url,
    close() {
      closePromise ??= shutdown().then(() => logger.info({ dataDir }, 'embedded CouchDB-compatible server stopped'));
      return closePromise;
    },
  };
}

/**
 * Holds a LevelDB of its own in `dataDir` open for the server's lifetime. LevelDB locks its
 * files, and the operating system drops the lock when a process dies, so a second server on the
 * same folder (another instance started by mistake) fails here with a line naming DATA_DIR,
 * instead of starting "degraded" with every write queued against a database it cannot open.
 * A lock still held is retried for `waitMs`: a restart right after a crash finds the old
 * database child still closing.
 */
async function lockDataDir(Base: ReturnType<typeof PouchDB.defaults>, dataDir: string, waitMs: number, logger: Logger): Promise<PouchInstance> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt += 1) {
    const lock = new Base('snatchshot-lock');
    try {
      await lock.info();
      return lock;
    } catch (err) {
      await lock.close().catch(() => undefined);
      if (!/\block\b/i.test((err as Error).message ?? '')) throw err;
      if (Date.now() >= deadline) {
        throw new StartupError(
          `Cannot use DATA_DIR=${dataDir}: another process has its database open (is the service already running?). Stop it, or point DATA_DIR at another directory.`,
          'DATA_DIR',
          { cause: err },
        );
      }
      if (attempt === 1) logger.warn({ dataDir, waitMs }, 'DATA_DIR is locked by another process; waiting for it to let go');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
