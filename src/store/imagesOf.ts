/**
 * The image records of a stored request document, as the writes left them, for the reads that
 * map them (`toStoredRequest`) or look one up (`readImage`).
 */
import type { CouchDoc } from './CouchClient';
import { isJsonObject } from '../util/isJsonObject';

/** One entry of a request document's `images`, as `writeFinishedRequest` stores it. */
export interface StoredImageFields {
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

/**
 * The document's `images`, or none when it has no such array (not finished yet). Entries that are
 * not objects (a document this service did not write) are left out rather than read as images.
 */
export function imagesOf(doc: CouchDoc): StoredImageFields[] {
  return Array.isArray(doc.images) ? (doc.images.filter(isJsonObject) as unknown as StoredImageFields[]) : [];
}
