/**
 * The CouchDB-backed store: the write side the pipeline uses (RequestStore) plus the reads the
 * results API serves. Read types here are what the store hands out; they never carry CouchDB
 * internals (`_rev`, attachment stubs).
 */
import type { Readable } from 'node:stream';
import type { Analysis, CameraSettings } from '../domain/schemas';
import type { EngineCallRecord, EngineName } from '../engine/ImageEngine';
import type { PipelineEvent, Stage } from '../events/eventSchemas';
import type { FinishedImage, RejectedUpload, RequestStore, UploadMeta } from './RequestStore';
import type { ByteSpan } from './CouchClient';

export type { ByteSpan } from './CouchClient';

export const REQUEST_STATUSES = ['processing', 'completed', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** One generated image as recorded; the bytes are an attachment, fetched with `getImage`. */
export interface StoredImage extends Omit<FinishedImage, 'data'> {
  size?: number;
  sha256?: string;
  /** True when the image bytes are stored and can be fetched. */
  stored: boolean;
}

/** A request as stored. Fields of later stages are absent while it is still processing. */
export interface StoredRequest {
  requestId: string;
  status: RequestStatus;
  engine?: EngineName;
  createdAt?: string;
  completedAt?: string;
  connectionId?: string;
  /** A request rejected at validation has only the upload's size, sha256 and name (and no original). */
  upload?: UploadMeta | RejectedUpload;
  /** True when the uploaded bytes are stored and can be fetched with `getOriginal`. */
  hasOriginal: boolean;
  settings?: CameraSettings;
  analysis?: Analysis;
  images: StoredImage[];
  imagesGenerated?: number;
  totalTime?: string;
  timings?: Record<string, number>;
  calls?: EngineCallRecord[];
  /** `stage` is absent for `INTERRUPTED`: the server stopped, and the event log shows how far it got. */
  error?: { code: string; message: string; stage?: Stage };
}

/**
 * Stored bytes: what a web layer needs to answer for them (a HEAD, a 304) without reading them,
 * and a way to read them.
 */
export interface StoredBinary {
  mimeType: string;
  /** Hex SHA-256 of the bytes; a stable validator (ETag). */
  sha256: string;
  /** Length in bytes. */
  size: number;
  /**
   * The bytes of `span` (within `size`), streamed from the database: resolves once it answers,
   * with null when they are no longer stored; rejects with StoreError `unavailable` when it does
   * not answer. A failure mid-stream destroys the stream; destroying it (or aborting `signal`)
   * ends the read.
   */
  open(span: ByteSpan, signal?: AbortSignal): Promise<Readable | null>;
}

/** One row of a listing: enough to show a history without loading each request. */
export interface RequestSummary {
  requestId: string;
  status: RequestStatus;
  engine?: EngineName;
  createdAt?: string;
  completedAt?: string;
  imagesGenerated?: number;
  totalImages?: number;
  totalTime?: string;
}

export interface ListRequestsOptions {
  status?: RequestStatus;
  /** Page size, 1..100. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface RequestPage {
  requests: RequestSummary[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** The persistence the whole service uses: writes for the pipeline, reads for the results API. */
export interface CouchStore extends RequestStore {
  getRequest(requestId: string): Promise<StoredRequest | null>;
  /** Image `index` (1-based) of a request, or null when there is no such stored image. */
  getImage(requestId: string, index: number): Promise<StoredBinary | null>;
  /** The uploaded photo, or null when it is not stored. */
  getOriginal(requestId: string): Promise<StoredBinary | null>;
  /** The request's stored event log in emission order (no `imageData`); empty when none. */
  getEvents(requestId: string): Promise<PipelineEvent[]>;
  /** Requests newest first. Throws StoreError `invalid_cursor` for a cursor it did not issue. */
  listRequests(options: ListRequestsOptions): Promise<RequestPage>;
  /** Writes accepted but not yet stored. */
  pendingWrites(): number;
  /**
   * Marks as failed (`INTERRUPTED`) every request still `processing` that was created before
   * `createdBefore` and whose recorded `deadlineAt`, if any, is before `deadlineBefore`: one whose
   * server stopped (killed, crashed) before it finished. Resolves once the updates are stored or
   * safely queued, with how many were stored by then. `signal` stops it (rejects) without waiting
   * for a database that does not answer.
   */
  failInterrupted(createdBefore: Date, deadlineBefore?: Date, signal?: AbortSignal): Promise<number>;
}

/** The reads the results API needs (a CouchStore satisfies it). */
export type ResultsReader = Pick<CouchStore, 'getRequest' | 'getImage' | 'getOriginal' | 'getEvents' | 'listRequests'>;
