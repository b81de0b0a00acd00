/**
 * Writing Gemini-shaped responses and Google-shaped error bodies, and noting the outcome on the call.
 */
import type http from 'node:http';
import type { FakeGeminiCall } from './fakeGeminiTypes';

/** The google.rpc status name of an HTTP status. */
export function statusName(status: number): string {
  const names: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    408: 'DEADLINE_EXCEEDED',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return names[status] ?? 'UNKNOWN';
}

/** Sends a JSON body; records status, outcome and end time on `call`. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  call?: FakeGeminiCall,
  outcome: FakeGeminiCall['outcome'] = 'answered',
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  if (call) {
    call.status = status;
    call.outcome = outcome;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload, () => {
    if (call) call.endedAt ??= performance.now();
  });
}

/** Sends `{ error: { code, message, status, details? } }` as Google APIs do. */
export function sendError(
  res: http.ServerResponse,
  status: number,
  statusText: string,
  message: string,
  call?: FakeGeminiCall,
  details?: unknown[],
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { error: { code: status, message, status: statusText, ...(details ? { details } : {}) } }, call, 'fault', headers);
}
