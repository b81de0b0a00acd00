/**
 * Honouring an AbortSignal around work that cannot itself be cancelled (a shared decode, a sharp
 * pipeline): the caller stops waiting, the work finishes and is discarded.
 */
import { EngineError } from '../../errors/EngineError';
import { untilAborted } from '../../util/untilAborted';

/** The rejection used when `signal` is aborted. */
export function abortError(signal: AbortSignal): EngineError {
  return new EngineError('The request was aborted', { cause: signal.reason, retryable: false });
}

/** Throws if `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Settles like `promise`, or rejects with `abortError` as soon as `signal` aborts, whichever is first. */
export function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? untilAborted(promise, signal, abortError) : promise;
}
