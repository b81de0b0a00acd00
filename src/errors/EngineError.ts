/**
 * A failure of an image engine call. `retryable` says whether trying the same call again may
 * succeed (timeouts, 408/429/5xx); `status` is the upstream HTTP status when there was one.
 */
export class EngineError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  /** Upstream's requested wait before retrying, in ms, when it gave one. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    options: { cause?: unknown; retryable?: boolean; status?: number; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'EngineError';
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
