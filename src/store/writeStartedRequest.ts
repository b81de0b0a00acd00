/**
 * The start write of a request document: its fields and the upload. Idempotent (safe to retry
 * after a lost answer), and it runs in the request's write lane, so no two writers ever touch the
 * same document at once.
 */
import type { RequestStarted } from './RequestStore';
import type { CouchClient } from './CouchClient';
import { sha256Hex } from '../util/sha256Hex';
import { fieldsOf } from './fieldsOf';
import { putAttachmentOnce } from './putAttachmentOnce';
import { ORIGINAL_ATTACHMENT } from './requestAttachments';
import { updateDoc } from './updateDoc';

/** Records a new request (status `processing`) and stores the upload as attachment `original`. */
export async function writeStartedRequest(client: CouchClient, db: string, request: RequestStarted): Promise<void> {
  const original = {
    attachment: ORIGINAL_ATTACHMENT,
    mimeType: request.upload.mimeType,
    size: request.original.length,
    sha256: sha256Hex(request.original),
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

/** Memory a queued start write holds: the upload it carries plus a rough allowance for the JSON. */
export function startedBytes(request: RequestStarted): number {
  return request.original.length + 2048;
}
