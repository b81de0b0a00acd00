/**
 * Conflict-free document writes: read the current revision, apply the change, write; on 409 read
 * again and repeat. Both helpers are idempotent, so a write retried after a lost response is safe.
 */
import { createHash } from 'node:crypto';
import { CouchError, isCouchStatus, type CouchClient, type CouchDoc } from './CouchClient';

const MAX_CONFLICT_RETRIES = 10;

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
  throw new CouchError(`document ${id} kept changing under us`, { status: 409, error: 'conflict' });
}

/** CouchDB's attachment digest: `md5-<base64>` of the bytes. */
export function attachmentDigest(data: Buffer): string {
  return `md5-${createHash('md5').update(data).digest('base64')}`;
}

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
  throw new CouchError(`document ${id} kept changing under us`, { status: 409, error: 'conflict' });
}
