/**
 * Conflict-free attachment write: skipped when the stored digest matches, retried on 409 with the
 * new revision. Idempotent, so a write retried after a lost response is safe.
 */
import { isCouchStatus, type CouchClient } from './CouchClient';
import { attachmentDigest } from './attachmentDigest';
import { MAX_CONFLICT_RETRIES, keptChangingError } from './keptChangingError';

/**
 * Stores `data` as attachment `name` of document `id` (creating the document when missing),
 * skipping the upload when the same bytes are already there.
 */
export async function putAttachmentOnce(
  client: CouchClient,
  db: string,
  id: string,
  name: string,
  data: Buffer,
  contentType: string,
): Promise<void> {
  const digest = attachmentDigest(data);
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const current = await client.getDoc(db, id);
    if (current?._attachments?.[name]?.digest === digest) return;
    try {
      await client.putAttachment(db, id, name, data, contentType, current?._rev);
      return;
    } catch (err) {
      if (!isCouchStatus(err, 409)) throw err;
    }
  }
  throw keptChangingError(id);
}
