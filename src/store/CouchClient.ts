/**
 * The few CouchDB HTTP calls the store makes, behind our own interface (the nano implementation is
 * createNanoCouchClient). Every call has a deadline; failures are CouchError.
 */
import type { Readable } from 'node:stream';

/** An attachment as a document lists it. */
export interface AttachmentStub {
  content_type: string;
  digest?: string;
  length?: number;
  stub?: boolean;
}

/** Bytes `start` to `end` of an attachment, both included (as HTTP's `Range: bytes=start-end`). */
export interface ByteSpan {
  start: number;
  end: number;
}

/** A document as read back: `_id`, `_rev`, attachment stubs, and our fields. */
export interface CouchDoc {
  _id: string;
  _rev?: string;
  _attachments?: Record<string, AttachmentStub>;
  [field: string]: unknown;
}

export interface ViewRow<K = unknown, V = unknown, D = CouchDoc> {
  id: string;
  key: K;
  value: V;
  doc?: D;
}

/** Query parameters of `_all_docs` and views (keys are JSON-encoded by the client). */
export interface RangeQuery {
  startkey?: unknown;
  endkey?: unknown;
  descending?: boolean;
  limit?: number;
  include_docs?: boolean;
}

export interface ServerInfo {
  version?: string;
  vendor?: { name?: string; version?: string };
  [field: string]: unknown;
}

export interface DatabaseInfo {
  db_name?: string;
  doc_count: number;
  [field: string]: unknown;
}

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /** Aborts this call (its caller stopped waiting), as `close()` aborts every call. */
  signal?: AbortSignal;
}

export interface CouchClient {
  serverInfo(options?: CallOptions): Promise<ServerInfo>;
  /** Creates a database; `exists` when it was already there (412, also from a concurrent creator). */
  createDatabase(db: string): Promise<'created' | 'exists'>;
  databaseInfo(db: string, options?: CallOptions): Promise<DatabaseInfo>;
  /** The document with attachment stubs, or null when missing or deleted. */
  getDoc(db: string, id: string): Promise<CouchDoc | null>;
  /** Creates or updates a document (`_rev` required to update); resolves with the new rev. 409 on conflict. */
  putDoc(db: string, doc: CouchDoc): Promise<string>;
  /** Stores raw bytes as attachment `name`; creates the document when `rev` is omitted and it is missing. */
  putAttachment(db: string, id: string, name: string, data: Buffer, contentType: string, rev?: string): Promise<string>;
  /** The attachment bytes, or null when the document or attachment is missing. */
  getAttachment(db: string, id: string, name: string): Promise<Buffer | null>;
  /**
   * The bytes `span` of an attachment as a stream, exactly `span`'s length; null when the document
   * or attachment is missing. Resolves once the server has answered (within the call's deadline);
   * after that each wait for more bytes gets the deadline anew, so a slow reader is not cut off
   * but a server that stops sending is. A server that fails, stops or sends fewer bytes destroys
   * the stream with a CouchError; destroying the stream (or aborting `signal`) ends the call.
   */
  openAttachment(db: string, id: string, name: string, span: ByteSpan, options?: CallOptions): Promise<Readable | null>;
  allDocs(db: string, query: RangeQuery): Promise<ViewRow[]>;
  view(db: string, designDoc: string, view: string, query: RangeQuery, options?: CallOptions): Promise<ViewRow[]>;
  /** Aborts calls in flight; later calls fail at once. Idempotent. */
  close(): void;
}

/**
 * A CouchDB call failed. `status` is the HTTP status when the server answered; without one the
 * server was not reached (refused, reset, timed out, aborted).
 */
export class CouchError extends Error {
  readonly status?: number;
  /** CouchDB's error name, e.g. `conflict`, `not_found`. */
  readonly error?: string;

  constructor(message: string, options: { status?: number; error?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CouchError';
    this.status = options.status;
    this.error = options.error;
  }

  /**
   * Whether the same write may succeed later: no answer, server errors, throttling, a conflict that
   * outlived its retries, auth (an operator can fix it without losing data) and 404 (a deleted
   * database is recreated before the next attempt). 400/413/415 are final.
   */
  get retryable(): boolean {
    const s = this.status;
    return s === undefined || s >= 500 || [401, 403, 404, 408, 409, 429].includes(s);
  }
}

/** True for a CouchError with this HTTP status. */
export function isCouchStatus(err: unknown, status: number): boolean {
  return err instanceof CouchError && err.status === status;
}
