import type { Request } from 'express';

/** What watching an upload gives: a signal that fires when it stalls, and a way to stop watching. */
export interface UploadIdleWatch {
  /** Aborted when no byte arrived for `timeoutMs`. */
  readonly signal: AbortSignal;
  /** Stops watching (idempotent); call once the body is read or the request is over. */
  clear(): void;
}

/**
 * Watches the upload of `req` for silence: a client that stops sending mid-body would
 * otherwise hold its pipeline slot until Node's whole-request timeout. Uses the socket's own
 * inactivity timer (`req.setTimeout`), so no `data` listener competes with the body parser.
 * The server sets no socket timeout of its own, so turning it off again loses nothing.
 */
export function watchUploadIdle(req: Request, timeoutMs: number): UploadIdleWatch {
  const controller = new AbortController();
  const onTimeout = () => controller.abort(new Error(`No upload data arrived for ${timeoutMs} ms`));
  req.setTimeout(timeoutMs, onTimeout);
  let cleared = false;
  return {
    signal: controller.signal,
    clear() {
      if (cleared) return;
      cleared = true;
      req.off('timeout', onTimeout);
      req.socket?.setTimeout(0);
    },
  };
}
