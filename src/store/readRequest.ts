/** Reads one stored request for the results API. */
import type { CouchClient } from './CouchClient';
import type { StoredRequest } from './CouchStore';
import { toStoredRequest } from './toStoredRequest';

/** The stored request `requestId`, or null when none is stored. */
export async function readRequest(client: CouchClient, db: string, requestId: string): Promise<StoredRequest | null> {
  const doc = await client.getDoc(db, requestId);
  return doc ? toStoredRequest(doc) : null;
}
