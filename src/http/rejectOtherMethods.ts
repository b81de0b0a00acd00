import type { RequestHandler } from 'express';
import { AppError } from '../errors/AppError';

/**
 * The last handler of a path: a method the path does not serve gets 405
 * METHOD_NOT_ALLOWED with an `Allow` header (RFC 9110 §15.5.6), so `PUT /process-image` says
 * "use POST" instead of a 404 that claims the path does not exist. OPTIONS gets 204 with the
 * same `Allow` (RFC 9110 §9.3.7); the CORS middleware has already set the preflight headers.
 *
 * @param allowed the methods the path serves; GET implies HEAD, and OPTIONS (CORS) is always listed
 */
export function rejectOtherMethods(...allowed: string[]): RequestHandler {
  const withImplied = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  const allow = [...new Set([...withImplied, 'OPTIONS'])].join(', ');
  const served = new Set(withImplied);
  return (req, res, next) => {
    // A served method that got this far had no answer (e.g. the test page file is gone): 404.
    if (served.has(req.method)) return next();
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', allow);
      res.status(204).end();
      return;
    }
    next(
      new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allowed.join(' or ')}`, {
        headers: { Allow: allow },
      }),
    );
  };
}
