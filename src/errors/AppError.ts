import { ERROR_CODES, type ErrorCode } from './errorCodes';

/**
 * An error the service answers with: a stable `code`, its HTTP `status` from the table, a
 * human `message`, and optional extra fields merged into the JSON body (e.g. partial results).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** True when `err` is an AppError (also across module copies). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
