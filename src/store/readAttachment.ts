/**
 * Fetches one attachment of a request document with the type and checksum the API reports, for
 * `readImage` and `readOriginal`.
 */
import type { CouchClient, CouchDoc } from './CouchClient';
import type { StoredBinary } from './CouchStore';
import { sha256Hex } from '../util/sha256Hex';

/**
 * Attachment `name` of `doc`, or null when it is not stored. `known` is what the document records
 * of it (type, checksum), used in preference to what would otherwise be derived.
 */
export async function readAttachment(
  client: CouchClient,
  db: string,
  doc: CouchDoc,
  name: string,
  known: { mimeType?: string; sha256?: string },
): Promise<StoredBinary | null> {
  const stub = doc._attachments?.[name];
  if (!stub) return null;
  const data = await client.getAttachment(db, doc._id, name);
  if (!data) return null;
  return {
    data,
    mimeType: stub.content_type || known.mimeType || 'application/octet-stream',
    // Recorded at write time; computed only for attachments stored before their record.
    sha256: known.sha256 ?? sha256Hex(data),
  };
}
