/**
 * Creating the databases and the design document from several instances sharing one server
 * (SPEC §8), against a real CouchDB-compatible server.
 */
import { createNanoCouchClient } from '../../src/store/createNanoCouchClient';
import { databaseNames, ensureDatabases, REQUESTS_DESIGN_DOC } from '../../src/store/ensureDatabases';
import type { CouchClient } from '../../src/store/CouchClient';
import { startStoreTarget, type StoreTarget } from './support/storeTarget';

describe('ensureDatabases', () => {
  let target: StoreTarget;
  let clients: CouchClient[];

  beforeEach(async () => {
    target = await startStoreTarget();
    clients = Array.from({ length: 4 }, () => createNanoCouchClient({ url: target.url }));
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    await target.close();
  });

  it('succeeds for every instance starting at once on an empty server, leaving one design document', async () => {
    const names = databaseNames(target.dbPrefix);
    const results = await Promise.all(clients.map((client) => ensureDatabases(client, names)));
    expect(results).toEqual(clients.map(() => ({ warnings: [] })));
    const design = await clients[0].getDoc(names.requests, `_design/${REQUESTS_DESIGN_DOC}`);
    expect(design).toMatchObject({ version: 1, views: { newest: expect.anything(), by_status: expect.anything() } });
  });

  it('leaves a newer design document alone: an older instance still running in a rolling deploy does not downgrade it', async () => {
    const names = databaseNames(target.dbPrefix);
    await ensureDatabases(clients[0], names);
    const id = `_design/${REQUESTS_DESIGN_DOC}`;
    const current = await clients[0].getDoc(names.requests, id);
    // What a later release would write: a higher version, the views the older one queries kept.
    const newer = { ...current, _id: id, version: 2, views: { ...(current?.views as object), by_engine: { map: 'function (doc) { emit(doc.engine, null); }' } } };
    const rev = await clients[0].putDoc(names.requests, newer);

    await ensureDatabases(clients[1], names);

    expect(await clients[1].getDoc(names.requests, id)).toMatchObject({ _rev: rev, version: 2, views: { by_engine: expect.anything() } });
  });
});
