/**
 * CouchDB's digest of an attachment, computed locally so a writer can tell from an attachment stub
 * whether the same bytes are already stored, without downloading them.
 */
import { createHash } from 'node:crypto';

/** CouchDB's attachment digest: `md5-<base64>` of the bytes. */
export function attachmentDigest(data: Buffer): string {
  return `md5-${createHash('md5').update(data).digest('base64')}`;
}
