import { setMaxListeners } from 'node:events';

/** Listeners one request's signal may hold before Node warns of a leak. */
export const MAX_LISTENERS = 100;

/**
 * A signal that aborts after `ms` or when any of `signals` does, with a real timer that
 * `clear()` releases.
 *
 * Why not `AbortSignal.any([..., AbortSignal.timeout(ms)])`: in Node 20 the composite holds
 * its sources weakly and the timeout's timer holds its signal weakly, so under GC pressure the
 * timeout signal can be collected and never fire. A timer we own and clear cannot be lost.
 */
export function createDeadline(ms: number, signals: (AbortSignal | undefined)[] = []): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(ms)), ms);
  // The deadline alone must not keep a process alive; the work it guards does that.
  timer.unref();
  const sources = signals.filter((s): s is AbortSignal => s !== undefined);
  const signal = sources.length > 0 ? AbortSignal.any([controller.signal, ...sources]) : controller.signal;
  // Every stage of a request listens to its signal (up to 8 images, each queued and then
  // working): past Node's default of 10 that is a false "possible leak" warning. A real leak
  // would still pass this bound.
  setMaxListeners(MAX_LISTENERS, signal);
  return {
    signal,
    clear: () => clearTimeout(timer),
  };
}

/** The reason a deadline's signal aborts with. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`Timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}
