/**
 * A counting semaphore: holders take one or more of `limit` slots; the others wait in FIFO
 * order. The Gemini engine caps its upstream calls with one; the local engine its decodes and
 * renders, which hold their pixel buffers while they wait for the CPU; the HEIC decoder its
 * decodes by megapixels, since their memory grows with the photo's size.
 */
export interface Semaphore {
  /**
   * Runs `task` once `weight` slots (default 1) are free and releases them when it settles.
   * A weight above the limit is taken as the whole limit: such a task runs, alone. Waiting is
   * abandoned (rejecting with the signal's reason) when `signal` aborts before the slots free.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal, weight?: number): Promise<T>;
  /** Holders right now. */
  readonly active: number;
  /** Callers waiting for slots. */
  readonly waiting: number;
}

interface Waiter {
  weight: number;
  grant: () => void;
}

/** Creates a semaphore with `limit` slots (at least 1). */
export function createSemaphore(limit: number): Semaphore {
  const slots = Math.max(1, Math.floor(limit));
  let holders = 0;
  let used = 0;
  const queue: Waiter[] = [];

  const take = (weight: number): void => {
    holders += 1;
    used += weight;
  };
  // Strict FIFO: a light waiter never overtakes a heavy one, which could otherwise wait forever.
  const grantWaiters = (): void => {
    while (queue.length > 0 && used + queue[0].weight <= slots) {
      const next = queue.shift() as Waiter;
      take(next.weight);
      next.grant();
    }
  };
  const release = (weight: number): void => {
    holders -= 1;
    used -= weight;
    grantWaiters();
  };

  const acquire = (weight: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (queue.length === 0 && used + weight <= slots) {
      take(weight);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(signal?.reason);
        // A heavy waiter leaving the head may let lighter ones behind it in.
        grantWaiters();
      };
      const waiter: Waiter = {
        weight,
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
    async run<T>(task: () => Promise<T>, signal?: AbortSignal, weight = 1): Promise<T> {
      const taken = Math.min(slots, Math.max(1, Math.ceil(weight)));
      await acquire(taken, signal);
      try {
        return await task();
      } finally {
        release(taken);
      }
    },
    get active() {
      return holders;
    },
    get waiting() {
      return queue.length;
    },
  };
}
