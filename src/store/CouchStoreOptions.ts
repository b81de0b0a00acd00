/** The options of `createCouchStore`: where the database is, and the write queue's and reads' limits. */
import type { Logger } from '../logging/Logger';
import type { RetryOptions } from './WriteQueue';

export interface CouchStoreOptions {
  /** CouchDB server URL; credentials in it are used and never logged or reported. */
  url: string;
  mode: 'embedded' | 'external';
  logger: Logger;
  /** Prefix of the database names. Default `snatchshot_` (→ `snatchshot_requests`, `snatchshot_events`). */
  dbPrefix?: string;
  retry?: RetryOptions;
  /** Bound of the in-memory write queue (writes). Default 10 000. */
  maxQueuedWrites?: number;
  /** Bound of the in-memory write queue (bytes). Default 256 MiB. */
  maxQueuedBytes?: number;
  /**
   * Folder where writes still queued when `close` gives up are kept, and replayed from at start
   * (`DATA_DIR/spool` in the service). Unset: they are lost (logged).
   */
  spoolDir?: string;
  /**
   * Attachment bytes written to the database at once; an attachment larger than this is written
   * alone. Default 32 MiB in `embedded` mode, whose server holds several copies of each attachment
   * while it stores it; none in `external` mode (CouchDB streams attachments to disk). `0`: none.
   */
  maxAttachmentBytesInFlight?: number;
  /**
   * Attachment bytes read from the database at once (downloads of images and uploads); a read
   * waits for its turn up to `readTimeoutMs`, then answers as the database being unavailable.
   * Default 64 MiB in `embedded` mode, whose server holds a whole copy of each attachment it is
   * sending; none in `external` mode. `0`: none.
   */
  maxAttachmentReadBytesInFlight?: number;
  /** Deadline of one database write call. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Deadline of one read for the results API, where someone is waiting: a hung database
   * answers 503 after this, not after the write deadline. Default 10 s.
   */
  readTimeoutMs?: number;
  /** Longest `receiveRequest`/`startRequest`/`storeImage`/`finishRequest` wait before leaving a slow write to the background. Default 10 s. */
  settleTimeoutMs?: number;
  /** How long `close()` keeps trying to flush queued writes. Default 5 s. */
  closeTimeoutMs?: number;
  /** Deadline of the health probe. Default 3 s. */
  healthTimeoutMs?: number;
  /** Longest the start waits for the databases to be created before going on without. Default 5 s. */
  startTimeoutMs?: number;
}

/** The embedded server's default attachment budget: with its ~4-8 copies, a few hundred MB at the peak. */
export const EMBEDDED_ATTACHMENT_BUDGET = 32 * 1024 * 1024;

/** The embedded server's default budget of attachment reads: one copy each, so about this much at the peak. */
export const EMBEDDED_ATTACHMENT_READ_BUDGET = 64 * 1024 * 1024;
