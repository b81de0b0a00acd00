/**
 * The bound shared by the read-modify-write helpers (`updateDoc`, `putAttachmentOnce`): how often
 * they re-read after a 409 before giving up, and the error they give up with. One place, so both
 * give up alike.
 */
import { CouchError } from './CouchClient';

/** Attempts of one conflict-retrying write before it gives up. */
export const MAX_CONFLICT_RETRIES = 10;

/** The error a write throws once `MAX_CONFLICT_RETRIES` attempts all met a 409 on document `id`. */
export function keptChangingError(id: string): CouchError {
  return new CouchError(`document ${id} kept changing under us`, { status: 409, error: 'conflict' });
}
