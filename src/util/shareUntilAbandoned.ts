/**
 * Work several callers wait on (one decode for every stage of a request) that is cancelled only
 * when all of them have given up. A stage's own signal must not cancel what the others still
 * need; but a request stopped while its decode waits for the decode budget should leave the
 * queue, not decode a photo nobody wants once the budget frees.
 */
import { untilAborted } from './untilAborted';

/**
 * Wraps `produce` so it runs once for every caller. Each call registers the caller's signal; when
 * the signals of every caller so far have aborted before the work settled, the signal given to
 * `produce` aborts (with the last caller's reason) and the next call starts the work afresh. A
 * caller without a signal keeps the work alive. Once settled, the result (or failure) is kept.
 * A caller whose signal aborts is rejected at once with its reason.
 */
export function shareUntilAbandoned<T>(produce: (signal: AbortSignal) => Promise<T>): (signal?: AbortSignal) => Promise<T> {
  interface Run {
    promise: Promise<T>;
    controller: AbortController;
    /** Callers still waiting; Infinity once a caller without a signal joined. */
    waiting: number;
    settled: boolean;
  }
  let current: Run | undefined;

  const start = (): Run => {
    const controller = new AbortController();
    const run: Run = { promise: produce(controller.signal), controller, waiting: 0, settled: false };
    const settle = () => {
      run.settled = true;
    };
    run.promise.then(settle, settle);
    return run;
  };

  return (signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const run = current ?? start();
    current = run;
    if (!signal || run.settled) {
      run.waiting = Infinity;
      return run.promise;
    }
    run.waiting += 1;
    const onAbort = () => {
      if (run.settled) return;
      run.waiting -= 1;
      if (run.waiting > 0) return;
      if (current === run) current = undefined;
      run.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const forget = () => signal.removeEventListener('abort', onAbort);
    run.promise.then(forget, forget);
    return untilAborted(run.promise, signal);
  };
}
