/**
 * The final write of a request document: the images not stored yet, then the result. Idempotent
 * (safe to retry after a lost answer), and it runs in the request's write lane, so no two writers
 * ever touch the same document at once.
 */
import type { FinishedImage, RequestFinished } from './RequestStore';
import { CouchError, type CouchClient } from './CouchClient';
import { sha256Hex } from '../util/sha256Hex';
import { attachmentDigest } from './attachmentDigest';
import { fieldsOf } from './fieldsOf';
import { imageAttachment } from './requestAttachments';
import { updateDoc } from './updateDoc';
import { writeImage } from './writeImage';

/**
 * Stores the generated images as attachments first (those `storeImage` already stored are
 * skipped on one read of the document), then the final fields, so a reader who sees `completed`
 * can fetch every image. Works when the start record was lost too. A request rejected at
 * validation has no start record: its `received` fields are written here, under any stored ones.
 */
export async function writeFinishedRequest(client: CouchClient, db: string, result: RequestFinished): Promise<void> {
  const images = result.images.map((image) => ({
    index: image.index,
    title: image.title,
    status: image.status,
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    error: image.error,
    durationMs: image.durationMs,
    ...(hasBytes(image) ? { attachment: imageAttachment(image.index), size: image.data.length, sha256: sha256Hex(image.data) } : {}),
  }));
  const toStore = result.images.filter(hasBytes);
  const attachments = toStore.length > 0 ? (await client.getDoc(db, result.requestId))?._attachments : undefined;
  const refused = new Set<number>();
  for (const image of toStore) {
    if (attachments?.[imageAttachment(image.index)]?.digest === attachmentDigest(image.data)) continue;
    try {
      await writeImage(client, db, result.requestId, { index: image.index, mimeType: image.mimeType ?? 'application/octet-stream', data: image.data });
    } catch (err) {
      // Refused for good (413: larger than this server accepts): the result is still stored, that
      // image recorded without its bytes, rather than the whole result lost with it.
      if (!(err instanceof CouchError) || err.retryable) throw err;
      refused.add(image.index);
    }
  }
  await updateDoc(client, db, result.requestId, (current) => ({
    // Spread first: a stored start record, if one exists, knows the request better.
    ...result.received,
    ...fieldsOf(current),
    type: 'request',
    requestId: result.requestId,
    status: result.status,
    completedAt: result.completedAt,
    totalTime: result.totalTime,
    timings: result.timings,
    settings: result.settings,
    analysis: result.analysis,
    images: images.map(({ attachment, size, sha256, ...image }) => (refused.has(image.index) ? image : { ...image, attachment, size, sha256 })),
    imagesGenerated: result.imagesGenerated,
    calls: result.calls,
    error: result.error,
    updatedAt: new Date().toISOString(),
  }));
}

/** Memory a queued finish write holds: the image bytes it carries plus a rough allowance for the JSON. */
export function finishedBytes(result: RequestFinished): number {
  const images = result.images.reduce((sum, image) => sum + (image.data?.length ?? 0), 0);
  return images + 16 * 1024;
}

/** A completed image with bytes to store. */
function hasBytes(image: FinishedImage): image is FinishedImage & { data: Buffer } {
  return image.status === 'completed' && image.data !== undefined && image.data.length > 0;
}
