/** Reads the stored upload of a request for the results API. */
import type { CouchClient } from './CouchClient';
import type { StoredBinary } from './CouchStore';
import { readAttachment } from './readAttachment';
import { ORIGINAL_ATTACHMENT } from './requestAttachments';

/** The upload of request `requestId`, or null when the request or the upload is not stored. */
export async function readOriginal(client: CouchClient, db: string, requestId: string): Promise<StoredBinary | null> {
  const doc = await client.getDoc(db, requestId);
  if (!doc) return null;
  const original = doc.original as { sha256?: string; mimeType?: string } | undefined;
  return readAttachment(client, db, doc, ORIGINAL_ATTACHMENT, {
    mimeType: original?.mimeType,
    sha256: original?.sha256,
  });
}
