/**
 * `promise`, or a rejection with `signal`'s reason as soon as it aborts, whichever comes first.
 * For work that may never settle once aborted: the caller is freed either way, and a late
 * rejection of `promise` is observed (not reported as unhandled).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as unknown);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as unknown);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
