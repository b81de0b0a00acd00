/**
 * The database's part of /health, against a real CouchDB-compatible server: which queue states
 * are `ok` and which are `degraded`.
 */
import { checkStoreHealth, type StoreHealthInput } from '../../src/store/checkStoreHealth';
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { databaseNames, ensureDatabases } from '../../src/store/ensureDatabases';
import type { CouchClient } from '../../src/store/CouchClient';
import type { WriteQueueStats } from '../../src/store/WriteQueue';
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
});
