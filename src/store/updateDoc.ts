/**
 * Conflict-free document write: read the current revision, apply the change, write; on 409 read
 * again and repeat. Idempotent as long as `change` is, so a write retried after a lost response
 * is safe.
 */
import { isCouchStatus, type CouchClient, type CouchDoc } from './CouchClient';
import { MAX_CONFLICT_RETRIES, keptChangingError } from './keptChangingError';

/**
 * Read-modify-write of one document. `change` gets the current document (null when missing) and
 * returns the fields to store, or null when nothing needs writing. Attachments are kept.
 */
export async function updateDoc(
  client: CouchClient,
  db: string,
  id: string,
  change: (current: CouchDoc | null) => Record<string, unknown> | null,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const current = await client.getDoc(db, id);
    const fields = change(current);
    if (!fields) return;
    const doc: CouchDoc = { ...fields, _id: id };
    if (current?._rev) doc._rev = current._rev;
    // A PUT without the stubs would delete the attachments.
    if (current?._attachments) doc._attachments = current._attachments;
    try {
      await client.putDoc(db, doc);
      return;
    } catch (err) {
      if (!isCouchStatus(err, 409)) throw err;
    }
  }
  throw keptChangingError(id);
}
