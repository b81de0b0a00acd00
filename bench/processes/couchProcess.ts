/**
 * The embedded CouchDB-compatible server alone in its own process, standing in for an
 * external CouchDB: the service then runs with COUCHDB_URL set, as in production, and its
 * memory figures no longer include the database's.
 */
import { createLogger } from '../../src/logging/createLogger';
import { startEmbeddedCouch } from '../../src/store/startEmbeddedCouch';
import { reportStartFailure, serveRpc } from '../ipc/serveRpc';
import { COUCH_DATA_DIR_ENV } from './processEnv';

async function main(): Promise<void> {
  const dataDir = process.env[COUCH_DATA_DIR_ENV];
  if (!dataDir) throw new Error(`${COUCH_DATA_DIR_ENV} is required`);
  const couch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'warn' }) });
  serveRpc({ url: couch.url }, {}, () => couch.close());
}

// Only when forked as a benchmark process, never when imported.
if (require.main === module) main().catch(reportStartFailure);
