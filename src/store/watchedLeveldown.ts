/**
 * The LevelDB binding PouchDB keeps the embedded database in, with its storage failures reported.
 *
 * Why: when LevelDB fails to write a table in the background (disk full, a file-size limit), it
 * refuses every later write with that same error until the database is reopened, even once the
 * disk has room again. Reporting the first such error lets the embedded server's supervisor
 * reopen it (forkEmbeddedCouch replaces its child process) instead of refusing writes until the
 * service restarts.
 */
import leveldown, { type LevelDown, type LevelDownConstructor } from 'leveldown';

/** LevelDB's words for a failed disk operation or damaged files. */
const STORAGE_FAILURE = /^(IO error|Corruption)\b/;
/** A failed append to the write-ahead log: that write is refused, the next one tries again. */
const LOG_WRITE = /\.log: /;

/**
 * True when `err` is LevelDB reporting a failed disk operation or damaged files that it will
 * repeat for every later write until reopened: a failed background write of a table or of the
 * manifest. A failed append to the write-ahead log is not one (replacing the server for it
 * would only stop reads on a disk that is still full).
 */
export function isStorageFailure(err: unknown): err is Error {
  return err instanceof Error && STORAGE_FAILURE.test(err.message) && !LOG_WRITE.test(err.message);
}

type Callback = (err?: Error | null, ...rest: unknown[]) => void;

/** Wraps the last argument (the callback) of `method` on `target` so storage failures are reported. */
function watchCallback(target: object, method: string, report: (err: Error) => void): void {
  const original = (target as Record<string, (...args: unknown[]) => unknown>)[method];
  if (typeof original !== 'function') return;
  (target as Record<string, unknown>)[method] = function watched(this: unknown, ...args: unknown[]) {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') {
      args[args.length - 1] = (err?: Error | null, ...rest: unknown[]) => {
        if (isStorageFailure(err)) report(err);
        (callback as Callback)(err, ...rest);
      };
    }
    return original.apply(this, args);
  };
}

/** LevelDB settings applied to every database opened (leveldown's defaults otherwise). */
export interface LevelDbSettings {
  /** Bytes of uncompressed blocks each database keeps in memory (leveldown's default: 8 MB). */
  cacheSize?: number;
}

/**
 * A leveldown constructor (PouchDB's `db` option) whose databases call `onStorageFailure` when
 * a write fails with a storage failure (isStorageFailure), and open with `settings`. Reads are
 * not watched: they fail without poisoning later writes. `destroy` and `repair` are leveldown's own.
 */
export function watchedLeveldown(onStorageFailure: (err: Error) => void, settings: LevelDbSettings = {}): LevelDownConstructor {
  // PouchDB keys its open databases by this function's name and reports it as the backend.
  const LevelDOWN = function (location: string): LevelDown {
    const db = leveldown(location);
    const open = db._open;
    db._open = function openWithSettings(this: LevelDown, options, callback) {
      open.call(this, { ...options, ...settings }, callback);
    };
    for (const method of ['_put', '_del', '_batch']) watchCallback(db, method, onStorageFailure);
    const chainedBatch = db._chainedBatch;
    db._chainedBatch = function watchedChainedBatch(this: LevelDown) {
      const batch = chainedBatch.call(this);
      watchCallback(batch, '_write', onStorageFailure);
      return batch;
    };
    return db;
  } as LevelDownConstructor;
  Object.defineProperty(LevelDOWN, 'name', { value: 'LevelDOWN' });
  LevelDOWN.destroy = leveldown.destroy;
  LevelDOWN.repair = leveldown.repair;
  return LevelDOWN;
}
