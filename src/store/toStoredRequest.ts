/**
 * The one mapping from a stored request document to what the store hands out: no CouchDB metadata,
 * and defaults for what a document written by an earlier stage (or an older version) lacks.
 */
import type { RejectedUpload, UploadMeta } from './RequestStore';
import type { CouchDoc } from './CouchClient';
import type { RequestStatus, StoredImage, StoredRequest } from './CouchStore';
import { imagesOf } from './imagesOf';
import { ORIGINAL_ATTACHMENT, imageAttachment } from './requestAttachments';

/** Maps a request document to what the store hands out. */
export function toStoredRequest(doc: CouchDoc): StoredRequest {
  const attachments = doc._attachments ?? {};
  const images: StoredImage[] = imagesOf(doc).map((image) => ({
    index: image.index,
    title: image.title ?? '',
    status: image.status ?? 'failed',
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    size: image.size,
    sha256: image.sha256,
    error: image.error,
    durationMs: image.durationMs,
    stored: Boolean(attachments[imageAttachment(image.index)]),
  }));
  const pick = <T>(key: string) => doc[key] as T | undefined;
  return {
    requestId: doc._id,
    status: pick<RequestStatus>('status') ?? 'processing',
    engine: pick('engine'),
    createdAt: pick('createdAt'),
    completedAt: pick('completedAt'),
    connectionId: pick('connectionId'),
    upload: pick<UploadMeta | RejectedUpload>('upload'),
    hasOriginal: Boolean(attachments[ORIGINAL_ATTACHMENT]),
    settings: pick('settings'),
    analysis: pick('analysis'),
    images,
    imagesGenerated: pick('imagesGenerated'),
    totalTime: pick('totalTime'),
    timings: pick('timings'),
    calls: pick('calls'),
    error: pick('error'),
  };
}
