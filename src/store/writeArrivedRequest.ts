/**
 * The first write of a request document, as soon as the request arrives. Idempotent (safe to
 * retry after a lost answer); it runs in the request's write lane like the later writes.
 */
import type { RequestArrived } from './RequestStore';
import { isCouchStatus, type CouchClient } from './CouchClient';

/** Records a request that has just arrived (status `processing`), unless anything of it is stored. */
export async function writeArrivedRequest(client: CouchClient, db: string, request: RequestArrived): Promise<void> {
  try {
    // One PUT without a read first: until it lands, other instances answer 404 for the request.
    await client.putDoc(db, {
      _id: request.requestId,
      type: 'request',
      requestId: request.requestId,
      status: 'processing',
      engine: request.engine,
      createdAt: request.createdAt,
      deadlineAt: request.deadlineAt,
      connectionId: request.connectionId,
      updatedAt: new Date().toISOString(),
    });
  } catch (err) {
    // Already there (an earlier attempt, or a later write of the request): it knows as much.
    if (!isCouchStatus(err, 409)) throw err;
  }
}
