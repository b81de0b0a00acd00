/**
 * Listings of stored requests, newest first, from the design document's views (summaries only, no
 * document bodies), paged with opaque cursors.
 */
import type { CallOptions, CouchClient } from './CouchClient';
import type { ListRequestsOptions, RequestPage, RequestSummary } from './CouchStore';
import { REQUESTS_DESIGN_DOC } from './ensureDatabases';
import { decodeListCursor, encodeListCursor } from './listCursor';

type SummaryValue = Omit<RequestSummary, 'requestId'>;

/**
 * Requests newest first (request ids start with the creation time in ms), optionally of one
 * status. Fetches one row more than asked: its key is the next page's start.
 */
export async function listRequests(client: CouchClient, db: string, options: ListRequestsOptions, callOptions?: CallOptions): Promise<RequestPage> {
  const status = options.status;
  const after = options.cursor ? decodeListCursor(options.cursor, status) : undefined;
  const query = { descending: true, limit: options.limit + 1 };
  const rows = status
    ? await client.view(db, REQUESTS_DESIGN_DOC, 'by_status', {
        ...query,
        startkey: [status, after ?? {}],
        endkey: [status],
      }, callOptions)
    : await client.view(db, REQUESTS_DESIGN_DOC, 'newest', { ...query, startkey: after }, callOptions);
  const page = rows.slice(0, options.limit).map((row) => ({ ...(row.value as SummaryValue), requestId: row.id }));
  const next = rows[options.limit];
  return { requests: page, nextCursor: next ? encodeListCursor(next.id, status) : null };
}
