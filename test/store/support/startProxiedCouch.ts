/**
 * The embedded CouchDB-compatible server over a fresh folder, behind a forwarding proxy whose
 * `intercept` may answer for it (see startForwardingProxy): a database that misbehaves only where
 * a test says so.
 */
import fs from 'node:fs';
import type http from 'node:http';
import { startEmbeddedCouch } from '../../../src/store/startEmbeddedCouch';
import { createLogger } from '../../../src/logging/createLogger';
import { startForwardingProxy, type ForwardingProxy } from './startForwardingProxy';
import { tempDataDir } from './storeTarget';

/** The proxy's URL (use it as COUCHDB_URL); `close()` stops the proxy and the server and removes the folder. */
export async function startProxiedCouch(
  intercept: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<void>,
  credentials?: string,
): Promise<ForwardingProxy> {
  const dataDir = tempDataDir();
  const couch = await startEmbeddedCouch({ dataDir, logger: createLogger({ level: 'silent' }) });
  const proxy = await startForwardingProxy(couch.url, intercept, credentials);
  return {
    url: proxy.url,
    async close() {
      await proxy.close();
      await couch.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
