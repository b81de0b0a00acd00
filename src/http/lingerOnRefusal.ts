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
  if (!hasUnreadBody(req)) {
    // Nothing left to arrive: the connection closes after the answer, so a pooled client
    // (a load balancer during a drain) opens a new one rather than retrying on this one.
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

/**
 * True while a body may still be arriving. `req.complete` alone is false for every request
 * until its (possibly empty) body has been read, which no handler here does before refusing.
 */
function hasUnreadBody(req: Request): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
