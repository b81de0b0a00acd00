/**
 * A semaphore counted in bytes: work that holds a lot of memory while it runs (an attachment
 * write to the embedded database) waits until the bytes already in flight leave room for its own.
 */

/** Frees what an `acquire` granted. Calling it again does nothing. */
export type ReleaseBytes = () => void;

export interface ByteBudget {
  /**
   * Resolves once `bytes` fit: when nothing is in flight (so work larger than the budget still
   * runs, alone), or when they fit beside what is and nobody waits ahead. Waiters are served in
   * arrival order, so a large one is not passed over forever by smaller ones. `signal` ends
   * the wait: the acquire rejects with its reason and its place in line is given up.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<ReleaseBytes>;
  /** Bytes granted and not yet released, and how many acquires wait. */
  stats(): { inFlightBytes: number; waiting: number };
}

interface Waiter {
  bytes: number;
  grant(release: ReleaseBytes): void;
}

/** A byte budget of `maxBytes` (a positive number). */
export function createByteBudget(maxBytes: number): ByteBudget {
  if (!(maxBytes > 0)) throw new Error(`a byte budget must be positive; got ${maxBytes}`);
  let inFlightBytes = 0;
  const waiters: Waiter[] = [];

  function fits(bytes: number): boolean {
    return inFlightBytes === 0 || inFlightBytes + bytes <= maxBytes;
  }

  function admit(): void {
    while (waiters.length > 0 && fits(waiters[0].bytes)) {
      const next = waiters.shift() as Waiter;
      next.grant(take(next.bytes));
    }
  }

  function take(bytes: number): ReleaseBytes {
    inFlightBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlightBytes -= bytes;
      admit();
    };
  }

  return {
    acquire(bytes, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (waiters.length === 0 && fits(bytes)) return Promise.resolve(take(bytes));
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(signal?.reason as Error);
          // The ones behind it may fit now.
          admit();
        };
        const waiter: Waiter = {
          bytes,
          grant(release) {
            signal?.removeEventListener('abort', onAbort);
            resolve(release);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    stats: () => ({ inFlightBytes, waiting: waiters.length }),
  };
}
