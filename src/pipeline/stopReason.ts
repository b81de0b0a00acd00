import { AppError, isAppError } from '../errors/AppError';
import { DeadlineError } from '../util/createDeadline';

/**
 * The AppError a stopped request fails with: the reason its signal carries (the client left,
 * the shutdown deadline), or its own deadline's REQUEST_TIMEOUT. Undefined for any other reason.
 */
export function stopReason(reason: unknown): AppError | undefined {
  if (isAppError(reason)) return reason;
  if (reason instanceof DeadlineError) {
    return new AppError('REQUEST_TIMEOUT', `The request took longer than REQUEST_TIMEOUT_MS (${reason.ms} ms) and was stopped`, { cause: reason });
  }
  return undefined;
}
