/**
 * One generated image written as soon as it exists, so finishing the request leaves only the
 * document update on its critical path. Idempotent: the same bytes are not uploaded twice.
 */
import type { ImageToStore } from './RequestStore';
import type { CouchClient } from './CouchClient';
import { putAttachmentOnce } from './putAttachmentOnce';
import { imageAttachment } from './requestAttachments';

/** Stores one generated image as attachment `image-<index>` (skipped when already there). */
export async function writeImage(client: CouchClient, db: string, requestId: string, image: ImageToStore): Promise<void> {
  await putAttachmentOnce(client, db, requestId, imageAttachment(image.index), image.data, image.mimeType);
}
