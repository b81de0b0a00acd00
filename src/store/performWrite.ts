/**
 * Makes a described store write: the one place a `SpooledWrite` kind maps to its write function,
 * used by the live writes and by the replay of the spool alike, so both take the same path.
 */
import type { CouchClient } from './CouchClient';
import type { DatabaseNames } from './ensureDatabases';
import type { SpooledWrite } from './SpooledWrite';
import { writeArrivedRequest } from './writeArrivedRequest';
import { writeEvent } from './writeEvent';
import { writeFinishedRequest } from './writeFinishedRequest';
import { writeImage } from './writeImage';
import { writeInterrupted } from './writeInterrupted';
import { writeStartedRequest } from './writeStartedRequest';

/** Performs `write` against the databases `names`; resolves once it is stored. */
export async function performWrite(client: CouchClient, names: DatabaseNames, write: SpooledWrite): Promise<void> {
  switch (write.kind) {
    case 'arrived':
      return writeArrivedRequest(client, names.requests, write.data);
    case 'started':
      return writeStartedRequest(client, names.requests, write.data);
    case 'image':
      return writeImage(client, names.requests, write.data.requestId, write.data.image);
    case 'finished':
      return writeFinishedRequest(client, names.requests, write.data);
    case 'interrupted': {
      const { requestId, deadlineBefore } = write.data;
      await writeInterrupted(client, names.requests, requestId, deadlineBefore === undefined ? undefined : new Date(deadlineBefore));
      return;
    }
    case 'event':
      return writeEvent(client, names.events, write.data);
  }
}
