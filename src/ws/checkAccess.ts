import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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
    const presented = tokenFrom(req);
    if (presented === undefined || !sameSecret(presented, options.authToken)) return { reason: 'Unauthorized' };
  }
  return null;
}

function tokenFrom(req: IncomingMessage): string | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
  const bearer = /^bearer +(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1].trim();
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query ?? undefined;
}

/** Constant-time comparison that does not leak the secret's length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
