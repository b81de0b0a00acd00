import { REQUEST_ID_PATTERN } from '../events/eventSchemas';
import { StoreError } from './StoreError';

/**
 * Listing cursors: opaque to clients (base64url JSON), bound to the status filter they were issued
 * for, so a cursor cannot be replayed against another listing. Only the exact string issued is
 * accepted.
 */
export function encodeListCursor(requestId: string, status: string | undefined): string {
  return Buffer.from(JSON.stringify({ id: requestId, s: status ?? null })).toString('base64url');
}

/** The request id to start the page at. Throws StoreError `invalid_cursor` for anything else. */
export function decodeListCursor(cursor: string, status: string | undefined): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new StoreError('invalid_cursor', 'cursor is not one this API issued');
  }
  const { id, s } = (parsed ?? {}) as { id?: unknown; s?: unknown };
  if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) {
    throw new StoreError('invalid_cursor', 'cursor is not one this API issued');
  }
  // Node's base64url decoding skips stray characters and padding, and JSON has many spellings:
  // only the exact bytes this API issues for this id are accepted.
  if (cursor !== encodeListCursor(id, typeof s === 'string' ? s : undefined)) {
    throw new StoreError('invalid_cursor', 'cursor is not one this API issued');
  }
  if ((s ?? undefined) !== status) {
    throw new StoreError('invalid_cursor', 'cursor belongs to a listing with a different status filter');
  }
  return id;
}
