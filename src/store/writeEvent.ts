/**
 * One event of a request's log written as its own document. Ids never collide, so event writes
 * never conflict: a 409 means an earlier attempt already stored it.
 */
import { isCouchStatus, type CouchClient } from './CouchClient';
import type { EventDoc } from './SpooledWrite';

/** Stores event document `doc` (a 409, already stored, counts as done). */
export async function writeEvent(client: CouchClient, db: string, doc: EventDoc): Promise<void> {
  try {
    await client.putDoc(db, doc);
  } catch (err) {
    if (!isCouchStatus(err, 409)) throw err;
  }
}
