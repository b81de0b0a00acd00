import type { Logger } from '../logging/Logger';
import type { CouchStore } from './CouchStore';

export interface InterruptedSweeper {
  /** Runs one sweep now; resolves with how many requests it failed (0 when the database is away). */
  sweep(): Promise<number>;
  /**
   * Stops the timer and a sweep in progress (its listing is aborted rather than awaited: against a
   * database that does not answer it would hold a shutdown for the 30 s write deadline). Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Fails the requests a stopped server left `processing` (it was killed, or crashed, before
 * their terminal event): at start and then every `everyMs`. Only requests created more than
 * `graceMs` ago are touched — longer than any live request can run here — and, of those, only the
 * ones whose recorded deadline passed more than `pastDeadlineMs` ago (default 60 s: the instance
 * running a request may allow it longer, and its clock may differ a little), so several
 * instances may share one database without failing each other's work.
 */
export function createInterruptedSweeper(options: {
  store: Pick<CouchStore, 'failInterrupted'>;
  graceMs: number;
  pastDeadlineMs?: number;
  everyMs: number;
  logger: Logger;
}): InterruptedSweeper {
  const pastDeadlineMs = options.pastDeadlineMs ?? 60_000;
  let running: Promise<number> | undefined;
  let closed = false;
  const stop = new AbortController();

  const sweep = (): Promise<number> => {
    if (closed) return Promise.resolve(0);
    running ??= options.store
      .failInterrupted(new Date(Date.now() - options.graceMs), new Date(Date.now() - pastDeadlineMs), stop.signal)
      .then(
        (count) => {
          if (count > 0) options.logger.warn({ requests: count }, 'requests left processing by a stopped server marked failed (INTERRUPTED)');
          return count;
        },
        (err: unknown) => {
          // The database being away is reported by /health; the next sweep tries again.
          options.logger.debug({ err }, 'sweep for interrupted requests skipped');
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => void sweep(), options.everyMs);
  timer.unref();

  return {
    sweep,
    async close() {
      closed = true;
      clearInterval(timer);
      stop.abort(new Error('sweeper closed'));
      await running;
    },
  };
}
