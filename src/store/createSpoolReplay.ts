import type { Logger } from '../logging/Logger';
import { sendsAttachments, type SpooledWrite } from './SpooledWrite';
import type { SpoolEntry, WriteSpool, WriteToSpool } from './createWriteSpool';
import type { WriteJob, WriteQueue } from './WriteQueue';

/** Spooled writes queued at once: the rest wait on disk, so a long spool never fills the queue that live writes need. */
const DEFAULT_WINDOW = 100;

export interface SpoolReplay {
  /** Reads the spool and queues its writes, oldest first. Never rejects. */
  start(): Promise<void>;
  /** Spooled writes not stored yet (queued or still waiting on disk). */
  pending(): number;
  /** True while a spooled write of `lane` is not stored yet. */
  holds(lane: string): boolean;
  /** Resolves once every spooled write is stored (or given up); rejects with `signal`'s reason if it aborts first. */
  whenReplayed(signal?: AbortSignal): Promise<void>;
  /**
   * The queue's `keep` at close: spooled writes not stored yet are on disk already (their claims
   * given back, for the next start); the others are written to the spool after them. Resolves
   * with how many are kept.
   */
  keep(jobs: WriteJob[]): Promise<number>;
}

export interface SpoolReplayOptions {
  spool: WriteSpool;
  queue: WriteQueue;
  /** Makes one write (the same function the live writes use). */
  perform: (write: SpooledWrite) => Promise<void>;
  logger: Logger;
  window?: number;
}

/**
 * Replays the write spool through the write queue: each entry runs in its own lane, in the order
 * it was spooled, with the queue's retries and back-off (a database still down at start keeps the
 * spool and is retried), and is deleted once stored. An entry the database refuses for good is
 * moved to `refused/`.
 */
export function createSpoolReplay(options: SpoolReplayOptions): SpoolReplay {
  const { spool, queue, perform, logger } = options;
  const window = options.window ?? DEFAULT_WINDOW;
  let entries: SpoolEntry[] = [];
  /** Claimed entries not stored (or set aside) yet. */
  const unsettled = new Set<SpoolEntry>();
  let next = 0;
  let outstanding = 0;
  let stored = 0;
  let refused = 0;
  /** Replay jobs in the queue: their entries are on disk, so close need not spool them again. */
  const queued = new Set<WriteJob>();
  const lanes = new Map<string, number>();
  const waiters = new Set<() => void>();

  function jobOf(entry: SpoolEntry): WriteJob {
    const job: WriteJob = {
      lane: entry.lane,
      label: `${entry.label} (spooled)`,
      bytes: entry.bytes,
      sendsAttachments: sendsAttachments(entry.kind),
      run: async () => perform(await spool.read(entry)),
      done(ok) {
        queued.delete(job);
        void (ok ? spool.remove(entry) : spool.setAside(entry));
        settled(entry, ok);
      },
    };
    return job;
  }

  function settled(entry: SpoolEntry, ok: boolean): void {
    unsettled.delete(entry);
    if (ok) stored += 1;
    else refused += 1;
    outstanding -= 1;
    const left = (lanes.get(entry.lane) ?? 1) - 1;
    if (left > 0) lanes.set(entry.lane, left);
    else lanes.delete(entry.lane);
    feed();
    if (outstanding === 0) {
      logger.info({ storedWrites: stored, refusedWrites: refused, dir: spool.dir }, 'spooled writes replayed');
      for (const wake of [...waiters]) wake();
    }
  }

  function feed(): void {
    while (next < entries.length && queued.size < window) {
      const job = jobOf(entries[next]);
      if (!queue.accepts(job)) return;
      next += 1;
      queued.add(job);
      void queue.enqueue(job);
    }
  }

  return {
    async start() {
      entries = await spool.load();
      for (const entry of entries) unsettled.add(entry);
      outstanding = entries.length;
      for (const entry of entries) lanes.set(entry.lane, (lanes.get(entry.lane) ?? 0) + 1);
      if (entries.length > 0) logger.info({ spooledWrites: entries.length, dir: spool.dir }, 'replaying writes spooled when the service last stopped');
      feed();
    },

    pending: () => outstanding,

    holds: (lane) => lanes.has(lane),

    whenReplayed(signal) {
      if (outstanding === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', abort);
          waiters.delete(wake);
          resolve();
        };
        const abort = () => {
          waiters.delete(wake);
          reject(signal?.reason);
        };
        if (signal?.aborted) return abort();
        waiters.add(wake);
        signal?.addEventListener('abort', abort, { once: true });
      });
    },

    async keep(jobs) {
      let onDisk = 0;
      const toSave: WriteToSpool[] = [];
      for (const job of jobs) {
        if (queued.has(job)) onDisk += 1;
        else if (job.spool) toSave.push({ lane: job.lane, label: job.label, write: job.spool });
      }
      await spool.release([...unsettled]);
      return onDisk + (await spool.save(toSave));
    },
  };
}
