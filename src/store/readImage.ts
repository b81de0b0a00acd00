/** Reads one generated image of a stored request for the results API. */
import type { CouchClient } from './CouchClient';
import type { StoredBinary } from './CouchStore';
import { imagesOf } from './imagesOf';
import { readAttachment } from './readAttachment';
import { imageAttachment } from './requestAttachments';

/** Image `index` of request `requestId`, or null when the request or the image is not stored. */
export async function readImage(
  client: CouchClient,
  db: string,
  requestId: string,
  index: number,
): Promise<StoredBinary | null> {
  const doc = await client.getDoc(db, requestId);
  if (!doc) return null;
  const image = imagesOf(doc).find((candidate) => candidate.index === index);
  return readAttachment(client, db, doc, imageAttachment(index), {
    mimeType: image?.mimeType,
    sha256: image?.sha256,
  });
}
