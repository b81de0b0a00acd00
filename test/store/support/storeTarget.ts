/**
 * The CouchDB server a store test runs against: the embedded one over a fresh temporary
 * directory, or the real server in COUCHDB_URL when set (then each target gets a unique database
 * prefix, and its databases are deleted on close).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import nano from 'nano';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../../src/store/startEmbeddedCouch';
import { createLogger } from '../../../src/logging/createLogger';

export interface StoreTarget {
  url: string;
  mode: 'embedded' | 'external';
  dbPrefix: string;
  /** Embedded only: the LevelDB directory. */
  dataDir?: string;
  close(): Promise<void>;
}

export const externalCouchUrl = process.env.COUCHDB_URL?.trim() || undefined;

export function uniquePrefix(): string {
  return `test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}_`;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-store-'));
}

export async function startStoreTarget(): Promise<StoreTarget> {
  const dbPrefix = uniquePrefix();
  if (externalCouchUrl) {
    return {
      url: externalCouchUrl,
      mode: 'external',
      dbPrefix,
      async close() {
        const server = nano(externalCouchUrl);
        const dbs = await server.db.list();
        for (const db of dbs.filter((name) => name.startsWith(dbPrefix))) await server.db.destroy(db);
      },
    };
  }
  const dataDir = tempDataDir();
  const embedded: EmbeddedCouch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
  return {
    url: embedded.url,
    mode: 'embedded',
    dbPrefix,
    dataDir,
    async close() {
      await embedded.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `check` until it returns true. Gives up with an error after `timeoutMs` (under the test
 * timeout), so a failing test fails instead of polling on and keeping Jest from exiting.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, intervalMs = 25, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

