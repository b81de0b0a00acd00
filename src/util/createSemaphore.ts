/**
 * A counting semaphore: at most `limit` holders; the others wait in FIFO order. The Gemini
 * engine caps its upstream calls with one; the local engine its decodes and renders, which hold
 * their pixel buffers while they wait for the CPU.
 */
export interface Semaphore {
  /**
   * Runs `task` once a slot is free and releases the slot when it settles. Waiting is
   * abandoned (rejecting with the signal's reason) when `signal` aborts before a slot frees.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Holders right now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  grant: () => void;
}

/** Creates a semaphore with `limit` slots (at least 1). */
export function createSemaphore(limit: number): Semaphore {
  const slots = Math.max(1, Math.floor(limit));
  let active = 0;
  const queue: Waiter[] = [];

  const release = (): void => {
    const next = queue.shift();
    if (next) next.grant(); // the slot passes straight to the next waiter
    else active -= 1;
  };

  const acquire = (signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (active < slots) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  return {
    async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
