import { EngineError } from '../../errors/EngineError';

/** How `retryWithBackoff` paces and bounds its attempts. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server-requested wait longer than this is not sat out: the error is thrown instead. */
  maxServerDelayMs: number;
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

/** Information about one scheduled retry, for logging. */
export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: EngineError;
}

/** The value of the successful attempt and how many attempts it took. */
export interface RetryResult<T> {
  value: T;
  attempts: number;
}

/** Thrown error plus the number of attempts made, so callers can record failed calls too. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Full-jitter exponential back-off (AWS architecture blog): a uniform wait in
 * [0, min(max, base·2^(attempt-1))], which spreads a burst of clients instead of
 * synchronising their retries. A server-given delay is a floor, not a replacement: it says "not
 * before", and a `Retry-After: 0` must not turn the retries into an immediate burst.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, serverDelayMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round((policy.random ?? Math.random)() * ceiling);
  return Math.max(serverDelayMs ?? 0, jittered);
}

/**
 * Runs `attempt` until it succeeds, its error is not a retryable `EngineError`, the retries are
 * used up, or `signal` aborts. Rejects with `RetriesExhaustedError` wrapping the last error.
 */
export async function retryWithBackoff<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal; onRetry?: (notice: RetryNotice) => void } = {},
): Promise<RetryResult<T>> {
  for (let n = 1; ; n += 1) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (error) {
      const retryable = error instanceof EngineError && error.retryable;
      const tooLong =
        error instanceof EngineError &&
        error.retryAfterMs !== undefined &&
        error.retryAfterMs > policy.maxServerDelayMs;
      if (!retryable || tooLong || n > policy.maxRetries || options.signal?.aborted) {
        throw new RetriesExhaustedError(error, n);
      }
      const delayMs = backoffDelayMs(n, policy, error.retryAfterMs);
      options.onRetry?.({ attempt: n, delayMs, error });
      try {
        await sleep(delayMs, options.signal);
      } catch (abortReason) {
        throw new RetriesExhaustedError(abortReason, n);
      }
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
