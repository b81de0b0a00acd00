import type { IncomingMessage } from 'node:http';
import { carriesToken } from '../net/carriesToken';

/** Why a handshake was refused, or null when it may proceed. */
export type AccessDenial = { reason: string } | null;

/**
 * Checks a WebSocket handshake against the optional token and Origin allowlist.
 * The token may come as `Authorization: Bearer <token>` or `?token=<token>`.
 */
export function checkAccess(
  req: IncomingMessage,
  options: { authToken?: string; allowedOrigins?: readonly string[] },
): AccessDenial {
  const origins = options.allowedOrigins ?? [];
  const origin = req.headers.origin;
  // Non-browser clients send no Origin; the allowlist exists to stop other web pages.
  if (origins.length > 0 && origin !== undefined && !origins.includes(origin)) {
    return { reason: 'Origin not allowed' };
  }
  if (options.authToken) {
    if (!carriesToken(req, options.authToken)) return { reason: 'Unauthorized' };
  }
  return null;
}
