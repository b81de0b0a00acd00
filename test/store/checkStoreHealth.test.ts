/**
 * The database's part of /health, against a real CouchDB-compatible server: which queue states
 * are `ok` and which are `degraded`.
 */
import { checkStoreHealth, type StoreHealthInput } from '../../src/store/checkStoreHealth';
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { databaseNames, ensureDatabases } from '../../src/store/ensureDatabases';
import type { CouchClient } from '../../src/store/CouchClient';
import type { WriteQueueStats } from '../../src/store/WriteQueue';
import { startForwardingProxy } from './support/startForwardingProxy';
import { startStoreTarget, type StoreTarget } from './support/storeTarget';

describe('checkStoreHealth', () => {
  let target: StoreTarget;
  let client: CouchClient;
  let input: (queue: Partial<WriteQueueStats>) => StoreHealthInput;

  beforeAll(async () => {
    target = await startStoreTarget();
    client = createNanoCouchClient({ url: target.url });
    const names = databaseNames(target.dbPrefix);
    await ensureDatabases(client, names);
    const idle: WriteQueueStats = { pending: 0, pendingBytes: 0, lost: 0, stored: 0, failing: false, catchingUp: false, stalled: false };
    input = (queue) => ({ client, names, mode: target.mode, url: target.url, queue: { ...idle, ...queue }, closed: false, timeoutMs: 3000 });
  });

  afterAll(async () => {
    client.close();
    await target.close();
  });

  it('is ok with writes in flight after a request, and with nothing queued', async () => {
    expect(await checkStoreHealth(input({}))).toMatchObject({ status: 'ok', reachable: true, pendingWrites: 0 });
    expect(await checkStoreHealth(input({ pending: 12, stored: 40 }))).toMatchObject({ status: 'ok', pendingWrites: 12 });
  });

  it('is degraded while the writes queued during an outage are retried', async () => {
    const health = await checkStoreHealth(input({ pending: 50, failing: true, catchingUp: true }));
    expect(health).toMatchObject({ status: 'degraded', reachable: true, pendingWrites: 50, error: '50 writes queued' });
  });

  it('stays degraded after the first write succeeds again, until the backlog is written', async () => {
    const health = await checkStoreHealth(input({ pending: 50, failing: false, catchingUp: true }));
    expect(health).toMatchObject({ status: 'degraded', pendingWrites: 50 });
  });

  it('is degraded while the server answers probes but leaves writes unanswered', async () => {
    const health = await checkStoreHealth(input({ pending: 3, stalled: true }));
    expect(health).toMatchObject({ status: 'degraded', reachable: true, error: 'writes not answered; 3 queued' });
  });

  it('bounds the whole probe by one deadline when the server answers but its databases hang', async () => {
    const names = databaseNames(target.dbPrefix);
    // The server's welcome passes; the database info calls are held unanswered until the client gives up.
    const held: Array<{ path: string; open: boolean }> = [];
    let heldWhileAnotherOpen = 0;
    const proxy = await startForwardingProxy(target.url, (req, res) => {
      if (!Object.values(names).some((name) => req.url?.startsWith(`/${name}`))) return false;
      if (held.some((other) => other.open)) heldWhileAnotherOpen += 1;
      const entry = { path: req.url ?? '', open: true };
      held.push(entry);
      res.on('close', () => (entry.open = false));
      return true;
    });
    const proxied = createNanoCouchClient({ url: proxy.url });
    try {
      const health = await checkStoreHealth({ ...input({}), client: proxied, timeoutMs: 300 });
      expect(health).toMatchObject({ status: 'error', reachable: false });
      // Both databases were asked under the one deadline, not the second after the first timed out.
      expect(held).toHaveLength(2);
      expect(heldWhileAnotherOpen).toBe(1);
    } finally {
      proxied.close();
      await proxy.close();
    }
  });
});
