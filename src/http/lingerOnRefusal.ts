import type { Request, Response } from 'express';

/** How long the rest of a refused request's body is read (and discarded) before the connection is cut. */
export const LINGER_MS = 10_000;

/**
 * Call before answering a request whose body will not be read (BUSY, RATE_LIMITED,
 * SHUTTING_DOWN, or FILE_TOO_LARGE from the announced length). Closing at once would reset a
 * client still sending its upload, and it would never see the answer or its Retry-After.
 * Instead Node reads and discards the rest of the body after the answer — for at most
 * LINGER_MS, after which the connection is cut.
 */
export function lingerOnRefusal(req: Request, res: Response): void {
  if (req.complete) {
    res.setHeader('Connection', 'close');
    return;
  }
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    const stop = () => clearTimeout(timer);
    req.once('end', stop);
    req.once('close', stop);
  });
}
