/**
 * The two writes of a request document. Each is idempotent (safe to retry after a lost answer)
 * and they run in one lane per request, so no two writers ever touch the same document at once.
 */
import { createHash } from 'node:crypto';
import type { FinishedImage, RequestArrived, RequestFinished, RequestStarted, StoredImage } from './RequestStore';
import { isCouchStatus, type CouchClient, type CouchDoc } from './CouchClient';
import { attachmentDigest } from './attachmentDigest';
import { putAttachmentOnce } from './putAttachmentOnce';
import { updateDoc } from './updateDoc';

/** Attachment names inside a request document. */
export const ORIGINAL_ATTACHMENT = 'original';
export const imageAttachment = (index: number): string => `image-${index}`;

/** The document's own fields: everything but CouchDB's `_id`, `_rev`, `_attachments`. */
export function fieldsOf(doc: CouchDoc | null): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!doc) return fields;
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) fields[key] = value;
  return fields;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Records a request that has just arrived (status `processing`), unless anything of it is stored. */
export async function writeArrivedRequest(client: CouchClient, db: string, request: RequestArrived): Promise<void> {
  try {
    // One PUT without a read first: until it lands, other instances answer 404 for the request.
    await client.putDoc(db, {
      _id: request.requestId,
      type: 'request',
      requestId: request.requestId,
      status: 'processing',
      engine: request.engine,
      createdAt: request.createdAt,
      deadlineAt: request.deadlineAt,
      connectionId: request.connectionId,
      updatedAt: new Date().toISOString(),
    });
  } catch (err) {
    // Already there (an earlier attempt, or a later write of the request): it knows as much.
    if (!isCouchStatus(err, 409)) throw err;
  }
}

/** Records a new request (status `processing`) and stores the upload as attachment `original`. */
export async function writeStartedRequest(client: CouchClient, db: string, request: RequestStarted): Promise<void> {
  const original = {
    attachment: ORIGINAL_ATTACHMENT,
    mimeType: request.upload.mimeType,
    size: request.original.length,
    sha256: sha256(request.original),
  };
  await updateDoc(client, db, request.requestId, (current) => {
    const fields = fieldsOf(current);
    if (fields.original) return null; // already recorded by an earlier attempt
    return {
      ...fields,
      type: 'request',
      requestId: request.requestId,
      // A finish that landed first (it never should: same lane) keeps its status.
      status: fields.status ?? 'processing',
      engine: request.engine,
      createdAt: request.createdAt,
      deadlineAt: request.deadlineAt,
      connectionId: request.connectionId,
      upload: request.upload,
      original,
      updatedAt: new Date().toISOString(),
    };
  });
  await putAttachmentOnce(client, db, request.requestId, ORIGINAL_ATTACHMENT, request.original, request.upload.mimeType);
}

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
    ...(hasBytes(image) ? { attachment: imageAttachment(image.index), size: image.data.length, sha256: sha256(image.data) } : {}),
  }));
  const toStore = result.images.filter(hasBytes);
  const attachments = toStore.length > 0 ? (await client.getDoc(db, result.requestId))?._attachments : undefined;
  for (const image of toStore) {
    if (attachments?.[imageAttachment(image.index)]?.digest === attachmentDigest(image.data)) continue;
    await writeImage(client, db, result.requestId, { index: image.index, mimeType: image.mimeType ?? 'application/octet-stream', data: image.data });
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
    images,
    imagesGenerated: result.imagesGenerated,
    calls: result.calls,
    error: result.error,
    updatedAt: new Date().toISOString(),
  }));
}

/**
 * Fails request `requestId` as INTERRUPTED if it is still `processing` (it may have finished since
 * it was listed) and its recorded deadline, if any, is before `deadlineBefore` (the instance
 * running it may allow it longer than the sweeping one would). Resolves true when it did.
 */
export async function writeInterrupted(client: CouchClient, db: string, requestId: string, deadlineBefore?: Date): Promise<boolean> {
  let failed = false;
  await updateDoc(client, db, requestId, (current) => {
    failed = false;
    if (current?.status !== 'processing') return null;
    const deadline = typeof current.deadlineAt === 'string' ? Date.parse(current.deadlineAt) : NaN;
    if (deadlineBefore && deadline >= deadlineBefore.getTime()) return null;
    failed = true;
    const now = new Date().toISOString();
    return {
      ...fieldsOf(current),
      status: 'failed',
      completedAt: now,
      imagesGenerated: 0,
      error: { code: 'INTERRUPTED', message: 'The server stopped before this request finished' },
      updatedAt: now,
    };
  });
  return failed;
}

/** A completed image with bytes to store. */
function hasBytes(image: FinishedImage): image is FinishedImage & { data: Buffer } {
  return image.status === 'completed' && image.data !== undefined && image.data.length > 0;
}

/** Stores one generated image as attachment `image-<index>` (skipped when already there). */
export async function writeImage(client: CouchClient, db: string, requestId: string, image: StoredImage): Promise<void> {
  await putAttachmentOnce(client, db, requestId, imageAttachment(image.index), image.data, image.mimeType);
}

/** Memory a queued write holds: the bytes it carries plus a rough allowance for the JSON. */
export function startedBytes(request: RequestStarted): number {
  return request.original.length + 2048;
}

export function finishedBytes(result: RequestFinished): number {
  const images = result.images.reduce((sum, image) => sum + (image.data?.length ?? 0), 0);
  return images + 16 * 1024;
}
