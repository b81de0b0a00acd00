/**
 * Bounds the attachment bytes a CouchClient is reading at once. The embedded database answers an
 * attachment read from a whole copy of the attachment in its memory, held until the answer has
 * been taken, so without a bound its memory grows with the downloads in progress: 20 clients
 * downloading a 16 MB upload cost it 350 MB, 200 of them 1.8 GB.
 */
import { CouchError, type CouchClient } from './CouchClient';
import type { ByteBudget } from './createByteBudget';
import { createDeadline } from '../util/createDeadline';

/**
 * `client`, whose `openAttachment` first waits for the bytes the database must send (up to the
 * end of the span) in `budget`, and frees them when the stream it returns closes (read to the
 * end, failed or destroyed) or the call fails. A wait longer than `waitMs` fails as the database
 * being unavailable (the reader answers 503 and is asked to retry); the call's signal ends it too.
 * Every other call passes straight through.
 */
export function withAttachmentReadBudget(client: CouchClient, budget: ByteBudget, options: { waitMs: number }): CouchClient {
  return {
    ...client,
    async openAttachment(db, id, name, span, callOptions) {
      const wait = createDeadline(options.waitMs, [callOptions?.signal]);
      let release: () => void;
      try {
        release = await budget.acquire(span.end + 1, wait.signal);
      } catch (err) {
        if (callOptions?.signal?.aborted) throw err;
        throw new CouchError(`CouchDB is busy sending other attachments: ${name} of ${id} waited ${options.waitMs} ms for its turn`, { cause: err });
      } finally {
        wait.clear();
      }
      try {
        const body = await client.openAttachment(db, id, name, span, callOptions);
        if (!body) release();
        else body.once('close', release);
        return body;
      } catch (err) {
        release();
        throw err;
      }
    },
  };
}
