import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether a request (HTTP, or a WebSocket handshake) presents `token`, as
 * `Authorization: Bearer <token>` or `?token=<token>` (browsers cannot set headers on a
 * WebSocket, so the query form is needed there).
 */
export function carriesToken(req: IncomingMessage, token: string): boolean {
  const presented = tokenFrom(req);
  return presented !== undefined && sameSecret(presented, token);
}

function tokenFrom(req: IncomingMessage): string | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
  const bearer = /^bearer +(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1].trim();
  // The query string alone: `new URL` throws on a request target such as `//host:99999/`,
  // which a client may send to crash a handshake check.
  const target = req.url ?? '';
  const start = target.indexOf('?');
  if (start < 0) return undefined;
  const end = target.indexOf('#', start);
  return new URLSearchParams(target.slice(start + 1, end < 0 ? undefined : end)).get('token') ?? undefined;
}

/** Constant-time comparison that does not leak the secret's length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
