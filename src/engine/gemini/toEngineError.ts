import { EngineError } from '../../errors/EngineError';

/** What the caller knows about an attempt that threw. */
export interface FailedAttemptContext {
  model: string;
  /** The per-attempt deadline fired. */
  timedOut: boolean;
  timeoutMs: number;
  /** The caller's signal (request abandoned) or the engine's close() aborted the attempt. */
  aborted: boolean;
  /** The upstream `Retry-After` header, when the response had one. */
  retryAfterHeader?: string | null;
  /** Response headers arrived: what failed after that was reading the answer, not reaching Gemini. */
  answered?: boolean;
  now?: () => number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Socket codes of a connection that was made and then dropped (undici's, then Node's). */
const DROPPED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

/**
 * Turns whatever the SDK or fetch threw into an `EngineError` with a readable message,
 * the upstream status, whether retrying may help, and the server's requested delay.
 */
export function toEngineError(error: unknown, context: FailedAttemptContext): EngineError {
  if (error instanceof EngineError) return error;
  if (context.timedOut) {
    // Not retried: the request has already waited the whole budget once.
    return new EngineError(`Gemini API timeout after ${context.timeoutMs} ms (${context.model})`, {
      cause: error,
      retryable: false,
      status: 504,
    });
  }
  if (context.aborted) {
    return new EngineError('Gemini call cancelled', { cause: error, retryable: false });
  }
  const status = statusOf(error);
  if (status !== undefined) {
    const upstream = parseUpstreamError(error instanceof Error ? error.message : '');
    const retryAfterMs =
      parseRetryAfterHeader(context.retryAfterHeader, context.now ?? Date.now) ?? upstream.retryDelayMs;
    const said = upstream.message ? plainText(upstream.message) : '';
    const detail = said ? `: ${truncate(said, 200)}` : '';
    const label = upstream.status ? `${status} ${upstream.status}` : String(status);
    // Gemini answers a wrong key with 400 API_KEY_INVALID, not 401: name the setting to fix.
    const keyRefused = status === 401 || status === 403 || upstream.reason?.startsWith('API_KEY_') === true;
    const what = keyRefused ? 'Gemini refused the API key (check GEMINI_API_KEY)' : describeStatus(status);
    return new EngineError(`${what} (${label}, ${context.model})${detail}`, {
      cause: error,
      status,
      retryable: RETRYABLE_STATUS.has(status) || status >= 500,
      retryAfterMs,
    });
  }
  // fetch() rejects with TypeError('fetch failed') and the socket error as cause.
  const reason = networkReason(error);
  const dropped = DROPPED.has(reason);
  // By name: the SDK may run in another realm (jest), where instanceof fails.
  const syntaxError = causeChain(error).some((e) => typeof e === 'object' && (e as Error).name === 'SyntaxError');
  // After the headers, anything but a dropped socket (a corrupt gzip body, JSON `null` the SDK
  // cannot read) is about the answer: "unreachable" would send users to check the URL.
  if (syntaxError || (context.answered && !dropped)) {
    // A body cut short is a transport hiccup more often than a server bug: worth a retry.
    return new EngineError(`Gemini returned an unreadable response (${context.model}): ${reason}`, {
      cause: error,
      retryable: true,
      status: 502,
    });
  }
  // A reset means the server was reached: "unreachable" would send users to check the URL.
  const what = dropped ? 'Gemini closed the connection before answering in full' : 'Gemini API unreachable';
  return new EngineError(`${what} (${context.model}): ${reason}`, {
    cause: error,
    retryable: true,
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

function describeStatus(status: number): string {
  if (status === 400) return 'Gemini rejected the request';
  if (status === 404) return 'Gemini model not found';
  if (status === 408) return 'Gemini request timeout';
  if (status === 429) return 'Gemini rate limit or quota exceeded';
  if (status >= 500) return 'Gemini server error';
  return 'Gemini API error';
}

interface UpstreamError {
  message?: string;
  status?: string;
  /** `google.rpc.ErrorInfo.reason`, e.g. API_KEY_INVALID. */
  reason?: string;
  retryDelayMs?: number;
}

/**
 * The SDK's ApiError message is the JSON error body:
 * `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[{"@type":
 * "type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12s"}]}}`.
 */
export function parseUpstreamError(message: string): UpstreamError {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return { message: message || undefined };
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!err || typeof err !== 'object') return {};
  const details = Array.isArray(err.details) ? (err.details as Record<string, unknown>[]) : [];
  const detail = (type: string) => details.find((d) => typeof d?.['@type'] === 'string' && d['@type'].endsWith(type));
  const retryInfo = detail('google.rpc.RetryInfo');
  const reason = detail('google.rpc.ErrorInfo')?.reason;
  return {
    message: typeof err.message === 'string' ? err.message : undefined,
    status: typeof err.status === 'string' ? err.status : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
    retryDelayMs: parseDuration(retryInfo?.retryDelay),
  };
}

/** Protobuf JSON Duration ("12s", "0.5s") or a {seconds, nanos} object, in ms. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return match ? Math.round(Number(match[1]) * 1000) : undefined;
  }
  if (value && typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds ?? 0);
    const n = Number(nanos ?? 0);
    if (Number.isFinite(s) && Number.isFinite(n)) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}

/** `Retry-After: <seconds>` or `Retry-After: <HTTP date>`, in ms from now. */
export function parseRetryAfterHeader(value: string | null | undefined, now: () => number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month; Date.parse alone reads "-5" as the year 2001, a wait of 0.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 5; current = (current as { cause?: unknown }).cause) chain.push(current);
  return chain;
}

/** The most specific reason in the cause chain: a socket error code, else the deepest message. */
function networkReason(error: unknown): string {
  let reason = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string' && message) reason = message;
    current = cause;
  }
  return reason;
}

/**
 * An error body as one line of text. A proxy or load balancer in front of Gemini answers with
 * an HTML page: its title says what happened, its markup would fill the client's message.
 */
function plainText(text: string): string {
  if (/^\s*<(!doctype|html)/i.test(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
    text = title ?? text.replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  }
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
