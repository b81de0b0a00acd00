/**
 * The write queue's contract: jobs, how failures are classed, options, stats and the queue
 * itself. The implementation is `createWriteQueue`.
 */
import type { Logger } from '../logging/Logger';
import type { SpooledWrite } from './SpooledWrite';

/** One write. Jobs in the same lane run one at a time in order; different lanes run concurrently. */
export interface WriteJob {
  lane: string;
  /** What is written, for logs (never the data). */
  label: string;
  /** Bytes this job holds in memory while queued. */
  bytes: number;
  /**
   * True when it sends attachment bytes: such writes are slow and may wait for the database's
   * attachment budget, so they never take the last slots (`attachmentConcurrency`), which stay
   * free for documents and events.
   */
  sendsAttachments?: boolean;
  /** Performs the write; must be safe to run again after a failure (idempotent). */
  run(): Promise<void>;
  /** The write as data, so that one still queued at close can be kept on disk (`keep`). */
  spool?: SpooledWrite;
  /** Told once the queue is done with a job it queued: stored, or given up (refused, out of attempts). Not at close. */
  done?(stored: boolean): void;
}

/** How a failed attempt is treated: retried forever, retried up to `maxAttempts`, or dropped. */
export type FailureKind = 'unreachable' | 'retryable' | 'permanent';

export interface RetryOptions {
  /** First back-off after a failure. Default 200 ms. */
  initialDelayMs?: number;
  /** Back-off ceiling. Default 30 s. */
  maxDelayMs?: number;
  /** Growth per failed round. Default 2. */
  factor?: number;
  /** Attempts for a write the server keeps refusing (it answered, but with an error). Default 10. */
  maxAttempts?: number;
}

export interface WriteQueueOptions {
  logger: Logger;
  classify: (err: unknown) => FailureKind;
  retry?: RetryOptions;
  /** Bound on queued writes; past it new writes are dropped and counted. Default 10 000. */
  maxQueuedWrites?: number;
  /** Bound on bytes held by queued writes. Default 256 MiB. */
  maxQueuedBytes?: number;
  /** Lanes written at once while the database answers (one probe at a time while it fails). Default 8. */
  concurrency?: number;
  /**
   * How many of those may be writes that send attachments (`sendsAttachments`). Default
   * `concurrency` − 2 (at least 1): two slots always stay free for small writes.
   */
  attachmentConcurrency?: number;
  /** Longest an `enqueue` caller waits before the write is left to the background. Default 10 s. */
  settleTimeoutMs?: number;
  /**
   * Given the writes still queued when `close` gives up (each lane's in order), keeps what it can
   * (the spool on disk) and resolves with how many it kept; the rest are lost. Unset: all are lost.
   */
  keep?: (jobs: WriteJob[]) => Promise<number>;
}

export interface WriteQueueStats {
  pending: number;
  pendingBytes: number;
  /** Writes given up: over the bound, refused by the server, or still queued at close and not kept. */
  lost: number;
  stored: number;
  /** True from a failed attempt until the next success. */
  failing: boolean;
  /**
   * True from a failed attempt until the queue has emptied: the writes that piled up during an
   * outage are still being written, though the database may already answer again.
   */
  catchingUp: boolean;
  /**
   * True from a write that kept its caller waiting `settleTimeoutMs` until that write is
   * answered (or the queue empties): a database that accepts connections but does not answer,
   * or leaves some writes hanging. New callers are not made to wait meanwhile.
   */
  stalled: boolean;
  lastError?: string;
}

export interface WriteQueue {
  /**
   * Queues a write. Resolves once it is stored, or once it is safely queued for a retry (first
   * attempt failed, the database is known to be failing, or `settleTimeoutMs` passed), or when it
   * was dropped (logged, counted). Never rejects.
   */
  enqueue(job: WriteJob): Promise<void>;
  stats(): WriteQueueStats;
  /** True while a write of `lane` is queued or in flight. */
  holds(lane: string): boolean;
  /** True when `enqueue(job)` would queue it now: not closing, and within both bounds. */
  accepts(job: Pick<WriteJob, 'bytes'>): boolean;
  /** Resolves true once nothing is queued, false if `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean>;
  /**
   * Stops accepting, retries what is queued until `deadlineMs`, then hands the rest to `keep` and
   * drops what it did not keep (logged). Idempotent.
   */
  close(deadlineMs: number): Promise<void>;
}
