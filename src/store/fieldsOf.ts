/**
 * A request document's own fields, for the writes that rebuild it from what is stored: CouchDB's
 * metadata must not be copied back (`updateDoc` sets `_id`, `_rev` and `_attachments` itself).
 */
import type { CouchDoc } from './CouchClient';

/** The document's own fields: everything but CouchDB's `_id`, `_rev`, `_attachments`. */
export function fieldsOf(doc: CouchDoc | null): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!doc) return fields;
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) fields[key] = value;
  return fields;
}
