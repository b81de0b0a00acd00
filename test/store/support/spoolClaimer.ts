/**
 * Run as its own process (forkSpoolClaimer): claims the entries of the write spool in argv[2],
 * reports how many, and then holds them until it is killed, as a store that died mid-replay would.
 */
import { createLogger } from '../../../src/logging/createLogger';
import { createWriteSpool } from '../../../src/store/createWriteSpool';

void (async () => {
  const spool = createWriteSpool({ dir: process.argv[2], logger: createLogger({ level: 'silent' }) });
  const entries = await spool.load();
  process.send?.({ claimed: entries.length });
  // Alive, holding its claims, until it is killed.
  setInterval(() => undefined, 60_000);
})();
