import type { WriteJob, WriteQueue, WriteQueueOptions } from './WriteQueue';
import { errorMessage } from '../util/errorMessage';

interface Entry {
  job: WriteJob;
  attempts: number;
  settle(): void;
}

/** Which progress a job's storing shows: attachment writes and small writes move at their own pace. */
const progressKind = (job: WriteJob): 'attachments' | 'documents' => (job.sendsAttachments === true ? 'attachments' : 'documents');

/**
 * A bounded, in-memory write queue with per-lane ordering and one shared back-off: while the
 * database fails, a single write probes it at growing intervals; the first success releases
 * everything. What is still queued when it closes is handed to `keep` (the spool on disk); a
 * crash loses what is queued.
 */
export function createWriteQueue(options: WriteQueueOptions): WriteQueue {
  const { logger, classify } = options;
  const initialDelayMs = options.retry?.initialDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const factor = options.retry?.factor ?? 2;
  const maxAttempts = options.retry?.maxAttempts ?? 10;
  const maxQueuedWrites = options.maxQueuedWrites ?? 10_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024 * 1024;
  const concurrency = options.concurrency ?? 8;
  const attachmentConcurrency = Math.max(1, Math.min(concurrency, options.attachmentConcurrency ?? concurrency - 2));
  const settleTimeoutMs = options.settleTimeoutMs ?? 10_000;

  const lanes = new Map<string, Entry[]>();
  const running = new Set<string>();
  /** The running lanes whose write sends attachments. */
  const runningAttachments = new Set<string>();
  const drainWaiters = new Set<() => void>();
  let pending = 0;
  let pendingBytes = 0;
  let lost = 0;
  let stored = 0;
  let failing = false;
  let catchingUp = false;
  /** The write that kept its caller waiting `settleTimeoutMs` unanswered; callers do not wait while it is set. */
  let stalledBy: Entry | undefined;
  /** When a write of each kind was last stored: progress tells a backlog from a hang. */
  const lastStoredAt = { attachments: 0, documents: 0 };
  /** A backlog was logged; reset once the queue empties. */
  let backlogged = false;
  let failedRounds = 0;
  let lastError: string | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closing = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;

  function backoffDelay(round: number): number {
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, round - 1));
    // ±20% jitter so several instances do not probe in lockstep.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  function remove(lane: string, entry: Entry, stored: boolean): void {
    const entries = lanes.get(lane);
    if (!entries || entries[0] !== entry) return;
    entries.shift();
    entry.job.done?.(stored);
    if (entries.length === 0) lanes.delete(lane);
    pending -= 1;
    pendingBytes -= entry.job.bytes;
    entry.settle();
    if (entry === stalledBy) stalledBy = undefined;
    if (pending === 0) {
      catchingUp = false;
      stalledBy = undefined;
      backlogged = false;
      for (const wake of [...drainWaiters]) wake();
    }
  }

  function settleAll(): void {
    for (const entries of lanes.values()) for (const entry of entries) entry.settle();
  }

  /**
   * A caller waited `settleTimeoutMs` and its write is still queued or in flight. A hung
   * database fails an attempt only at the write deadline (30 s), so until then no one else waits
   * for it either: without this every later write of the request would wait its own 10 s. The
   * stall lasts until that write is answered (or the queue empties), not until any write is: a
   * database where only some writes hang (big attachments) would otherwise cost 10 s per request.
   */
  function onSettleTimeout(entry: Entry): void {
    if (!stalledBy && Date.now() - lastStoredAt[progressKind(entry.job)] < settleTimeoutMs) {
      // A backlog, not a hang: writes of its kind are being stored, this one waits its turn (a
      // burst of large uploads behind the attachment budget). Its caller goes on; the database
      // is not called stalled, so health does not turn degraded for a busy but answering server.
      if (!backlogged) {
        backlogged = true;
        logger.info({ pendingWrites: pending, settleTimeoutMs, write: entry.job.label }, 'database writes are queued behind others; continuing without waiting for them');
      }
      entry.settle();
      return;
    }
    if (!stalledBy) {
      logger.warn({ pendingWrites: pending, settleTimeoutMs, write: entry.job.label }, 'database writes are not answered; continuing without waiting for them');
      stalledBy = entry;
    }
    settleAll();
  }

  function scheduleRetry(): void {
    if (retryTimer || closed) return;
    failedRounds += 1;
    const delay = backoffDelay(failedRounds);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      pump();
    }, delay);
  }

  function onSuccess(lane: string, entry: Entry): void {
    stored += 1;
    lastStoredAt[progressKind(entry.job)] = Date.now();
    if (failing) {
      logger.info({ pendingWrites: pending - 1 }, 'database writes succeed again; draining the write queue');
    }
    failing = false;
    failedRounds = 0;
    remove(lane, entry, true);
  }

  function onFailure(lane: string, entry: Entry, err: unknown): void {
    // Answered, if with an error: not hanging (failing takes over below if the database is down).
    if (entry === stalledBy) stalledBy = undefined;
    const kind = classify(err);
    const message = errorMessage(err);
    lastError = message;
    if (kind === 'permanent' || (kind === 'retryable' && entry.attempts >= maxAttempts)) {
      lost += 1;
      logger.error({ err, write: entry.job.label, attempts: entry.attempts, lostWrites: lost }, 'database refused a write; it is lost');
      remove(lane, entry, false);
      return;
    }
    if (!failing) {
      logger.warn({ err: message, write: entry.job.label, pendingWrites: pending }, 'database write failed; queued writes will be retried');
    }
    failing = true;
    catchingUp = true;
    // Everyone waiting is safely queued now; nobody should wait for the database to return.
    settleAll();
    // Rotate the lane to the back so the next probe tries a different write.
    const entries = lanes.get(lane);
    if (entries) {
      lanes.delete(lane);
      lanes.set(lane, entries);
    }
    scheduleRetry();
  }

  function pump(): void {
    if (closed || retryTimer) return;
    const limit = failing ? 1 : concurrency;
    for (const [lane, entries] of lanes) {
      if (running.size >= limit) break;
      if (running.has(lane)) continue;
      const entry = entries[0];
      // A slow attachment write must not take the slots small writes (documents, events) need.
      const sendsAttachments = entry.job.sendsAttachments === true;
      if (sendsAttachments && runningAttachments.size >= attachmentConcurrency) continue;
      running.add(lane);
      if (sendsAttachments) runningAttachments.add(lane);
      entry.attempts += 1;
      let outcome: Promise<void>;
      try {
        outcome = entry.job.run();
      } catch (err) {
        outcome = Promise.reject(err);
      }
      outcome.then(
        () => {
          running.delete(lane);
          runningAttachments.delete(lane);
          if (closed) return;
          onSuccess(lane, entry);
          pump();
        },
        (err: unknown) => {
          running.delete(lane);
          runningAttachments.delete(lane);
          if (closed) return;
          onFailure(lane, entry, err);
          pump();
        },
      );
    }
  }

  function drop(job: WriteJob, reason: string): Promise<void> {
    lost += 1;
    logger.error({ write: job.label, pendingWrites: pending, lostWrites: lost }, `write dropped: ${reason}`);
    return Promise.resolve();
  }

  /** Hands what close could not write to `keep`, and counts and logs what it kept and what is lost. */
  async function keepLeft(): Promise<void> {
    const left = [...lanes.values()].flatMap((entries) => entries.map((entry) => entry.job));
    let keptNow = 0;
    if (options.keep) {
      try {
        keptNow = Math.min(left.length, await options.keep(left));
      } catch (err) {
        logger.error({ err }, 'queued writes could not be kept at close');
      }
    }
    lost += left.length - keptNow;
    if (keptNow > 0) logger.warn({ spooledWrites: keptNow, lastError }, 'store closed with writes still queued; they are spooled to disk for the next start');
    if (left.length > keptNow) logger.error({ lostWrites: left.length - keptNow, lastError }, 'store closed with writes still queued; they are lost');
  }

  function drain(timeoutMs: number): Promise<boolean> {
    if (pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        drainWaiters.delete(wake);
        resolve(drained);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      drainWaiters.add(wake);
    });
  }

  return {
    enqueue(job) {
      if (closing) return drop(job, 'the store is closed');
      if (pending >= maxQueuedWrites) return drop(job, `write queue full (${maxQueuedWrites} writes)`);
      if (pendingBytes + job.bytes > maxQueuedBytes) {
        return drop(job, `write queue full (${maxQueuedBytes} bytes)`);
      }
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const entry: Entry = {
          job,
          attempts: 0,
          settle() {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve();
          },
        };
        const entries = lanes.get(job.lane);
        if (entries) entries.push(entry);
        else lanes.set(job.lane, [entry]);
        pending += 1;
        pendingBytes += job.bytes;
        if (failing || stalledBy) entry.settle();
        else timer = setTimeout(() => onSettleTimeout(entry), settleTimeoutMs);
        pump();
      });
    },

    holds: (lane) => lanes.has(lane),

    accepts: (job) => !closing && pending < maxQueuedWrites && pendingBytes + job.bytes <= maxQueuedBytes,

    stats: () => ({ pending, pendingBytes, lost, stored, failing, catchingUp, stalled: stalledBy !== undefined, lastError }),

    drain,

    close(deadlineMs) {
      closePromise ??= (async () => {
        closing = true;
        if (pending > 0) {
          // Try now rather than sit out a long back-off.
          if (retryTimer) {
            clearTimeout(retryTimer);
            retryTimer = undefined;
            pump();
          }
          await drain(deadlineMs);
        }
        closed = true;
        clearTimeout(retryTimer);
        retryTimer = undefined;
        if (pending > 0) await keepLeft();
        settleAll();
        lanes.clear();
        pending = 0;
        pendingBytes = 0;
        for (const wake of [...drainWaiters]) wake();
      })();
      return closePromise;
    },
  };
}
