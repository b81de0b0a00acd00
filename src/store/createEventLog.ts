import type { Logger } from '../logging/Logger';
import { createEventNumbering } from '../events/createEventNumbering';
import type { PipelineEvent } from '../events/eventSchemas';
import type { CouchClient } from './CouchClient';
import type { EventDoc, SpooledWrite } from './SpooledWrite';
import type { WriteQueue } from './WriteQueue';

/** Digits of the sequence number in event ids, so ids sort in emission order. */
const SEQ_DIGITS = 6;

export interface EventLog {
  /**
   * Queues the event (imageData stripped) behind the request's earlier events, as its `seq` (the
   * number the service's bus gave it: createRecordingBus); one handed over without a seq is
   * numbered here, as all were before events carried theirs. Never throws.
   */
  append(event: PipelineEvent): void;
  /** The stored log of a request, in emission order (each event as appended, its `seq` included). */
  read(requestId: string): Promise<PipelineEvent[]>;
}

export interface EventLogOptions {
  client: CouchClient;
  /** For `read` (a reader waits on it; default `client`). */
  readClient?: CouchClient;
  db: string;
  queue: WriteQueue;
  logger: Logger;
  /**
   * Makes one described write: the store's, shared by every live write and the spool's replay
   * (it waits for the databases, and has them created again after a 404).
   */
  perform: (write: SpooledWrite) => Promise<void>;
}

/** The event without its image bytes (they are stored once, as an attachment of the request). */
export function stripImageData(event: PipelineEvent): PipelineEvent {
  if (!('imageData' in event)) return event;
  const copy: Record<string, unknown> = { ...event };
  delete copy.imageData;
  return copy as PipelineEvent;
}

/**
 * The per-request event log: one document per event, id `<requestId>:<seq>`. Ids never collide,
 * so event writes never conflict; a 409 means an earlier attempt already stored it.
 */
export function createEventLog(options: EventLogOptions): EventLog {
  const { client, db, queue, logger, perform } = options;
  // Only for events that come without a seq: the service's are numbered before they are published.
  const unnumbered = createEventNumbering();
  return {
    append(event) {
      try {
        const requestId = event.requestId;
        if (typeof requestId !== 'string' || requestId === '') {
          logger.warn({ type: event.type }, 'event without requestId not stored');
          return;
        }
        const seq = event.seq ?? unnumbered.peek(requestId);
        if (event.seq === undefined) unnumbered.take(event, seq);
        const stored = stripImageData(event);
        const doc: EventDoc = {
          _id: `${requestId}:${String(seq).padStart(SEQ_DIGITS, '0')}`,
          type: 'event',
          requestId,
          seq,
          eventType: event.type,
          timestamp: event.timestamp,
          event: stored,
        };
        const write: SpooledWrite = { kind: 'event', data: doc };
        void queue.enqueue({
          lane: `events:${requestId}`,
          label: `event ${doc._id} ${event.type}`,
          bytes: JSON.stringify(stored).length + 256,
          spool: write,
          run: () => perform(write),
        });
      } catch (err) {
        // A store must never break the pipeline that feeds it.
        logger.error({ err, type: event?.type }, 'event could not be queued for storage');
      }
    },

    async read(requestId) {
      const rows = await (options.readClient ?? client).allDocs(db, {
        startkey: `${requestId}:`,
        endkey: `${requestId}:\ufff0`,
        include_docs: true,
      });
      return rows
        .map((row) => row.doc as unknown as { seq: number; event: PipelineEvent } | undefined)
        .filter((doc): doc is { seq: number; event: PipelineEvent } => Boolean(doc?.event))
        .sort((a, b) => a.seq - b.seq)
        .map((doc) => doc.event);
    },
  };
}
