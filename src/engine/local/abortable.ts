/**
 * Honouring an AbortSignal around work that cannot itself be cancelled (a shared decode, a sharp
 * pipeline): the caller stops waiting, the work finishes and is discarded.
 */
import { EngineError } from '../../errors/EngineError';

/** The rejection used when `signal` is aborted. */
export function abortError(signal: AbortSignal): EngineError {
  return new EngineError('The request was aborted', { cause: signal.reason, retryable: false });
}

/** Throws if `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Settles like `promise`, or rejects as soon as `signal` aborts, whichever is first. */
export function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      // Still observe the work so a later rejection is not reported as unhandled.
      promise.catch(() => undefined);
      reject(abortError(signal));
      return;
    }
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
