import { EXIT, Failure } from './Failure';

/**
 * A timer that rejects with a timeout Failure; `cancel` releases it and aborts `signal`, so an
 * upload still running when `run()` ends for another reason (the socket dropped) ends with it.
 */
export function createDeadline(timeoutMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const failure = new Failure(`Timed out after ${timeoutMs / 1000}s without a result`, EXIT.timeout);
      controller.abort(failure);
      reject(failure);
    }, timeoutMs);
  });
  expired.catch(() => undefined);
  const cancel = () => {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Failure('Finished', EXIT.failed));
  };
  return { signal: controller.signal, expired, cancel };
}
