import type { RequestHandler } from 'express';
import { createCorsPolicy } from './createCorsPolicy';

/**
 * CORS for the browser test page (CORS_ORIGIN: `*`, or a comma-separated list of origins).
 * Only sets headers: a preflight (OPTIONS) is answered by the route, 204 with its `Allow`
 * (rejectOtherMethods), or 404 where no route is.
 */
export function createCorsMiddleware(corsOrigin: string): RequestHandler {
  const policy = createCorsPolicy(corsOrigin);
  return (req, res, next) => {
    // Every answer depends on Origin, the refusals too: a shared cache must not hand an
    // answer without the header to a listed origin.
    if (policy.variesByOrigin) res.vary('Origin');
    const allowOrigin = policy.allowOriginFor(req.headers.origin);
    if (allowOrigin) res.setHeader('Access-Control-Allow-Origin', allowOrigin);
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    // Range, If-Range and the ETag it names, and the answer's range headers: a page on another
    // origin can fetch part of an image and resume it safely (ETag is not readable cross-origin otherwise).
    // RateLimit-*: the upload budget (RATE_LIMIT_PER_MINUTE) a page needs to pace itself before a 429.
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Connection-Id, Authorization, Range, If-Range, If-None-Match, If-Match');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id, Content-Range, Accept-Ranges, ETag, RateLimit-Limit, RateLimit-Remaining');
    if (req.method === 'OPTIONS') res.setHeader('Access-Control-Max-Age', '600');
    next();
  };
}
