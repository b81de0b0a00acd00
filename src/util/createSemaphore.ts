/**
 * A first-in, first-out limit on how many tasks run at once. The local engine uses it so a
 * burst of requests does not start every decode and render together: the CPU is shared anyway,
 * but each started render holds its pixel buffers while it waits for its turn.
 */
export interface Semaphore {
  /**
   * Runs `task` once a slot is free. A waiter whose `signal` aborts leaves the queue and rejects
   * with the signal's reason; a task that has started runs to its end.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  stats(): { running: number; waiting: number; limit: number };
}

/** A semaphore allowing `limit` (≥ 1) tasks at once. */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer ≥ 1, got ${limit}`);
  let running = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    running -= 1;
    const next = waiting.shift();
    if (next) {
      running += 1;
      next();
    }
  };

  const acquire = (signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (running < limit) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(start);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(start);
    });
  };

  return {
    async run(task, signal) {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ running, waiting: waiting.length, limit }),
  };
}
