import type { StoreHealth } from './RequestStore';
import { CouchError, type CouchClient, type ServerInfo } from './CouchClient';
import type { DatabaseNames } from './ensureDatabases';
import { isCouchWelcome, NOT_COUCHDB } from './isCouchWelcome';
import type { WriteQueueStats } from './WriteQueue';
import { createDeadline } from '../util/createDeadline';
import { errorMessage } from '../util/errorMessage';

export interface StoreHealthInput {
  client: CouchClient;
  names: DatabaseNames;
  mode: 'embedded' | 'external';
  /** Already redacted. */
  url: string;
  queue: WriteQueueStats;
  /** Writes the last stop spooled to disk that are not stored yet. Default 0. */
  spooled?: number;
  closed: boolean;
  /** Deadline of the whole probe (server and both databases), not of each call. */
  timeoutMs: number;
}

/** "CouchDB 3.3.3", "express-pouchdb 4.2.0", or the bare version of another compatible server. */
function describeVersion(info: ServerInfo): string | undefined {
  if (!info.version) return undefined;
  if ('couchdb' in info) return `CouchDB ${info.version}`;
  if ('express-pouchdb' in info) return `express-pouchdb ${info.version}`;
  return info.version;
}

/**
 * Probes the server and the databases. `ok` when they answer and writes go through (a few
 * writes in flight right after a request are normal); `degraded` when they answer but writes
 * queued since a failure are still being retried or caught up, or writes go unanswered (or a
 * database is missing until the next write);
 * `error` when the server cannot be used (unreachable, refuses our credentials, is not CouchDB)
 * or the store is closed, with `reachable: false` unless it answered. The service keeps working in every case: writes queue.
 */
export async function checkStoreHealth(input: StoreHealthInput): Promise<StoreHealth> {
  const { client, names, queue } = input;
  const base = {
    mode: input.mode,
    url: input.url,
    pendingWrites: queue.pending,
    lostWrites: queue.lost,
    spooledWrites: input.spooled ?? 0,
  };
  if (input.closed) return { ...base, status: 'error', reachable: false, error: 'store is closed' };
  // One deadline for the probe: a server that answers `/` but hangs on its databases would
  // otherwise hold /health for three timeouts in a row.
  const probe = createDeadline(input.timeoutMs);
  const callOptions = { timeoutMs: input.timeoutMs, signal: probe.signal };
  try {
    const info = await client.serverInfo(callOptions);
    if (!isCouchWelcome(info)) return { ...base, status: 'error', reachable: true, error: NOT_COUCHDB };
    type DatabaseState = { name: string; docCount?: number; missing?: true };
    const states = await Promise.all(
      (Object.entries(names) as [keyof DatabaseNames, string][]).map(async ([role, name]): Promise<[string, DatabaseState]> => {
        try {
          const dbInfo = await client.databaseInfo(name, callOptions);
          return [role, { name, docCount: dbInfo.doc_count }];
        } catch (err) {
          if (!(err instanceof CouchError && err.status === 404)) throw err;
          // Recreated before the next write.
          return [role, { name, missing: true }];
        }
      }),
    );
    const databases: Record<string, DatabaseState> = Object.fromEntries(states);
    const missing = Object.values(databases).some((db) => db.missing);
    // catchingUp ends when the queue empties, so it implies writes are pending.
    const degraded = queue.catchingUp || queue.stalled || missing;
    return {
      ...base,
      status: degraded ? 'degraded' : 'ok',
      reachable: true,
      version: describeVersion(info),
      databases,
      ...(degraded ? { error: missing ? 'databases missing' : queue.stalled ? `writes not answered; ${queue.pending} queued` : `${queue.pending} writes queued` } : {}),
    };
  } catch (err) {
    return {
      ...base,
      status: 'error',
      reachable: false,
      error: errorMessage(err),
    };
  } finally {
    probe.clear();
  }
}
