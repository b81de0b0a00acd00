import { AppError } from '../errors/AppError';

export interface ConcurrencyLimiter {
  /**
   * Waits for a slot and resolves with its release function (call it exactly once).
   * Rejects with AppError BUSY when `max` are running and `maxQueue` already wait.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  stats(): { running: number; queued: number; max: number; maxQueue: number };
  /** Resolves when nothing runs or waits (now, if already idle). */
  whenIdle(): Promise<void>;
}

/**
 * Bounds how many pipelines run at once, with a small FIFO queue in front.
 * @param retryAfterSeconds sent as `Retry-After` with BUSY.
 */
export function createConcurrencyLimiter(options: { max: number; maxQueue: number; retryAfterSeconds?: number }): ConcurrencyLimiter {
  const { max, maxQueue } = options;
  let running = 0;
  const queue: Array<{ grant: () => void }> = [];
  let idleWaiters: Array<() => void> = [];
  const notifyIdle = () => {
    if (running > 0 || queue.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const releaseFactory = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) next.grant();
      else {
        running -= 1;
        notifyIdle();
      }
    };
  };

  return {
    acquire(signal) {
      if (running < max) {
        running += 1;
        return Promise.resolve(releaseFactory());
      }
      if (queue.length >= maxQueue) {
        return Promise.reject(
          new AppError('BUSY', `The server is at its limit of ${max} concurrent requests; try again shortly`, {
            headers: { 'Retry-After': String(options.retryAfterSeconds ?? 5) },
          }),
        );
      }
      return new Promise((resolve, reject) => {
        const entry = { grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaseFactory());
        } };
        const onAbort = () => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          notifyIdle();
          reject(new AppError('BUSY', 'The request was abandoned while waiting for a slot'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
      });
    },
    stats: () => ({ running, queued: queue.length, max, maxQueue }),
    whenIdle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
