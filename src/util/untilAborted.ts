/**
 * `promise`, or a rejection as soon as `signal` aborts, whichever comes first: with the signal's
 * reason, or with what `rejectionOf` makes of the signal. For work that cannot be cancelled or may
 * never settle once aborted: the caller is freed either way, and a late rejection of `promise` is
 * observed (not reported as unhandled). The abort listener is removed once `promise` settles.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  rejectionOf: (signal: AbortSignal) => unknown = (aborted) => aborted.reason,
): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(rejectionOf(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(rejectionOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
