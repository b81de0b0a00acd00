/**
 * Reads of request documents: the stored result, its attachments, and listings newest first.
 */
import { createHash } from 'node:crypto';
import type { RejectedUpload, UploadMeta } from './RequestStore';
import type { CouchClient, CouchDoc } from './CouchClient';
import type {
  ListRequestsOptions,
  RequestPage,
  RequestStatus,
  RequestSummary,
  StoredBinary,
  StoredImage,
  StoredRequest,
} from './CouchStore';
import { REQUESTS_DESIGN_DOC } from './ensureDatabases';
import { ORIGINAL_ATTACHMENT, imageAttachment } from './requestAttachments';
import { decodeListCursor, encodeListCursor } from './listCursor';

interface StoredImageFields {
  index: number;
  title?: string;
  status?: 'completed' | 'failed';
  mimeType?: string;
  width?: number;
  height?: number;
  size?: number;
  sha256?: string;
  error?: string;
  durationMs?: number;
}

function imagesOf(doc: CouchDoc): StoredImageFields[] {
  return Array.isArray(doc.images) ? (doc.images as StoredImageFields[]) : [];
}

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

export async function readRequest(client: CouchClient, db: string, requestId: string): Promise<StoredRequest | null> {
  const doc = await client.getDoc(db, requestId);
  return doc ? toStoredRequest(doc) : null;
}

async function readAttachment(
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
    sha256: known.sha256 ?? createHash('sha256').update(data).digest('hex'),
  };
}

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

export async function readOriginal(client: CouchClient, db: string, requestId: string): Promise<StoredBinary | null> {
  const doc = await client.getDoc(db, requestId);
  if (!doc) return null;
  const original = doc.original as { sha256?: string; mimeType?: string } | undefined;
  return readAttachment(client, db, doc, ORIGINAL_ATTACHMENT, {
    mimeType: original?.mimeType,
    sha256: original?.sha256,
  });
}

type SummaryValue = Omit<RequestSummary, 'requestId'>;

/**
 * Requests newest first (request ids start with the creation time in ms), optionally of one
 * status. Fetches one row more than asked: its key is the next page's start.
 */
export async function listRequests(client: CouchClient, db: string, options: ListRequestsOptions): Promise<RequestPage> {
  const status = options.status;
  const after = options.cursor ? decodeListCursor(options.cursor, status) : undefined;
  const query = { descending: true, limit: options.limit + 1 };
  const rows = status
    ? await client.view(db, REQUESTS_DESIGN_DOC, 'by_status', {
        ...query,
        startkey: [status, after ?? {}],
        endkey: [status],
      })
    : await client.view(db, REQUESTS_DESIGN_DOC, 'newest', { ...query, startkey: after });
  const page = rows.slice(0, options.limit).map((row) => ({ ...(row.value as SummaryValue), requestId: row.id }));
  const next = rows[options.limit];
  return { requests: page, nextCursor: next ? encodeListCursor(next.id, status) : null };
}
