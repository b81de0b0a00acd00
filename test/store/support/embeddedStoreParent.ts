/**
 * A service stand-in run as its own process by tests (fork with ts-node): opens the request
 * store in child-process mode over argv[2] and reports to the test over IPC what it sees — its
 * pid, the database child's pid, the store's health, and which PouchDB modules it loaded
 * (none should be). It closes the store on 'close'; tests may instead SIGKILL it.
 */
import { createLogger } from '../../../src/logging/createLogger';
import { createRequestStore } from '../../../src/store/createRequestStore';
import type { StoreHealth } from '../../../src/store/RequestStore';

export interface ParentReport {
  pid: number;
  childPid: number;
  health: StoreHealth;
  pouchModules: string[];
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const handle = await createRequestStore({ dataDir, logger: createLogger({ level: 'silent' }), embedded: 'child-process' });
  const report: ParentReport = {
    pid: process.pid,
    childPid: handle.embeddedPid as number,
    health: await handle.store.health(),
    pouchModules: Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/](pouchdb|express-pouchdb|leveldown|levelup)/.test(file)),
  };
  process.on('message', (message) => {
    if (message === 'close') void handle.close().then(() => process.exit(0));
  });
  process.send?.(report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
