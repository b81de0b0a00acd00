/**
 * One attachment of a request document with the type, checksum and size the API reports, for
 * `readImage` and `readOriginal`.
 */
import { Readable } from 'node:stream';
import type { ByteSpan, CouchClient, CouchDoc } from './CouchClient';
import type { StoredBinary } from './CouchStore';
import { readOrUnavailable } from './readOrUnavailable';
import { sha256Hex } from '../util/sha256Hex';

/**
 * Attachment `name` of `doc`, or null when it is not stored. `known` is what the document records
 * of it (type, checksum), used in preference to what would otherwise be derived.
 *
 * With the checksum recorded, nothing is fetched here: a HEAD or a 304 is answered from the
 * document (the stub has the size), and the bytes are streamed when asked for. Without it (bytes
 * stored before their record: an image between its write and the final record, or documents
 * older than the record) the bytes are fetched and hashed now, and served from memory.
 */
export async function readAttachment(
  client: CouchClient,
  db: string,
  doc: CouchDoc,
  name: string,
  known: { mimeType?: string; sha256?: string },
): Promise<StoredBinary | null> {
  const stub = doc._attachments?.[name];
  if (!stub) return null;
  const mimeType = [stub.content_type, known.mimeType].find(isMediaType) ?? 'application/octet-stream';
  if (known.sha256 !== undefined && typeof stub.length === 'number') {
    const what = `${name} of ${doc._id}`;
    return {
      mimeType,
      sha256: known.sha256,
      size: stub.length,
      open: (span, signal) => readOrUnavailable(what, () => client.openAttachment(db, doc._id, name, span, { signal })),
    };
  }
  const data = await client.getAttachment(db, doc._id, name);
  if (!data) return null;
  return {
    mimeType,
    sha256: known.sha256 ?? sha256Hex(data),
    size: data.length,
    open: async (span: ByteSpan) => Readable.from([data.subarray(span.start, span.end + 1)], { objectMode: false }),
  };
}

/** `type/subtype`, optionally with parameters of printable ASCII: what may go in a Content-Type header. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[ -~]*)?$/;

/**
 * Whether a type the database reports can be sent as the download's Content-Type: a document this
 * service did not write may hold anything there (a line break would end the header, or fail it).
 */
function isMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE.test(value);
}
