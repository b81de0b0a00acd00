import type { ErrorRequestHandler } from 'express';
import { AppError, isAppError } from '../errors/AppError';
import type { Logger } from '../logging/Logger';

/**
 * The one place errors become responses:
 * `{ success: false, error: { code, message }, requestId?, ...details }` with the code's status.
 * Unknown errors are logged and answered 500 without internals. No error answer may be cached.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const appError = normalise(err);
    if (appError.status >= 500 && appError.code === 'INTERNAL_ERROR') {
      logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    }
    const requestId = (res.locals as { requestId?: string }).requestId;
    // An error describes a moment (not stored yet, busy, database down), and 404/405 are
    // cacheable by default (RFC 9110 §15.1): no cache may replay one. A route's own header stays.
    if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    res.status(appError.status).json({
      success: false,
      error: { code: appError.code, message: appError.message },
      ...(requestId ? { requestId } : {}),
      ...appError.details,
    });
  };
}

function normalise(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser and friends set `type`/`status` on client errors.
  if (e?.type === 'entity.too.large') return new AppError('FILE_TOO_LARGE', 'The request body is too large', { cause: err });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('MALFORMED_REQUEST', e.message ?? 'Bad request', { cause: err });
  }
  return new AppError('INTERNAL_ERROR', 'Internal server error', { cause: err });
}
