import { EngineError } from '../../../src/errors/EngineError';
import {
  parseDuration,
  parseRetryAfterHeader,
  parseUpstreamError,
  toEngineError,
} from '../../../src/engine/gemini/toEngineError';

const context = { model: 'm', timedOut: false, timeoutMs: 1000, aborted: false };

function apiError(status: number, body: unknown): Error {
  return Object.assign(new Error(JSON.stringify(body)), { name: 'ApiError', status });
}

describe('toEngineError', () => {
  it('reads status, message and RetryInfo from a Gemini 429 body', () => {
    const error = toEngineError(
      apiError(429, {
        error: {
          code: 429,
          message: 'You exceeded your current quota.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' },
          ],
        },
      }),
      context,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toBe('Gemini rate limit or quota exceeded (429 RESOURCE_EXHAUSTED, m): You exceeded your current quota.');
    expect([error.status, error.retryable, error.retryAfterMs]).toEqual([429, true, 17_000]);
  });

  it('prefers a Retry-After header over RetryInfo', () => {
    const error = toEngineError(apiError(503, { error: { code: 503, details: [{ '@type': 'x/google.rpc.RetryInfo', retryDelay: '9s' }] } }), {
      ...context,
      retryAfterHeader: '2',
    });
    expect(error.retryAfterMs).toBe(2000);
  });

  it.each([
    [400, false],
    [403, false],
    [404, false],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [504, true],
  ])('marks status %i retryable=%s', (status, retryable) => {
    expect(toEngineError(apiError(status, { error: { code: status } }), context).retryable).toBe(retryable);
  });

  it('names a timeout and does not retry it', () => {
    const error = toEngineError(new Error('This operation was aborted'), { ...context, timedOut: true });
    expect(error.message).toBe('Gemini API timeout after 1000 ms (m)');
    expect(error.retryable).toBe(false);
  });

  it('treats socket failures as retryable and names the code', () => {
    const error = toEngineError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }), context);
    expect(error.message).toBe('Gemini API unreachable (m): ECONNREFUSED');
    expect(error.retryable).toBe(true);
  });

  it('says a connection that was made and then dropped was closed, not unreachable', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET']) {
      const error = toEngineError(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code }) }), context);
      expect(error.message).toBe(`Gemini closed the connection before answering in full (m): ${code}`);
      expect(error.retryable).toBe(true);
    }
  });

  it('names GEMINI_API_KEY when Gemini refuses the key: 400 API_KEY_INVALID, 401 or 403, none retried', () => {
    const keyInvalid = apiError(400, {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
      },
    });
    const unauthenticated = apiError(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    const denied = apiError(403, { error: { code: 403, message: 'Permission denied.', status: 'PERMISSION_DENIED' } });
    for (const error of [keyInvalid, unauthenticated, denied].map((e) => toEngineError(e, context))) {
      expect(error.message).toMatch(/^Gemini refused the API key \(check GEMINI_API_KEY\) \((400 INVALID_ARGUMENT|401 UNAUTHENTICATED|403 PERMISSION_DENIED), m\): /);
      expect(error.retryable).toBe(false);
    }
  });

  it('keeps calling any other 400 a rejected request', () => {
    const error = toEngineError(apiError(400, { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } }), context);
    expect(error.message).toBe('Gemini rejected the request (400 INVALID_ARGUMENT, m): Request contains an invalid argument.');
  });

  it('gives the title of an HTML error page, as a proxy in front of Gemini sends, not its markup', () => {
    const page = '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n  <style>*{margin:0}</style>\n  <p><b>502.</b> That’s an error.';
    // The SDK wraps a body that is not JSON as the message of an error of its own.
    const error = toEngineError(apiError(503, { error: { message: page, code: 503, status: 'Service Unavailable' } }), context);
    expect(error.message).toBe('Gemini server error (503 Service Unavailable, m): Error 502 (Server Error)!!1');
    const untitled = toEngineError(apiError(502, { error: { message: '<html><body><h1>Bad\n gateway</h1></body></html>', code: 502, status: 'Bad Gateway' } }), context);
    expect(untitled.message).toBe('Gemini server error (502 Bad Gateway, m): Bad gateway');
  });

  it('passes an EngineError through unchanged', () => {
    const original = new EngineError('already readable');
    expect(toEngineError(original, context)).toBe(original);
  });
});

describe('parsers', () => {
  it('parses protobuf durations', () => {
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration({ seconds: 2, nanos: 500_000_000 })).toBe(2500);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    const now = () => Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfterHeader('3', now)).toBe(3000);
    expect(parseRetryAfterHeader('Sun, 22 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterHeader('whenever', now)).toBeUndefined();
  });

  it('ignores a Retry-After that is neither seconds nor a date, rather than read "-5" as a date in 2001 (no wait)', () => {
    const now = () => Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfterHeader('-5', now)).toBeUndefined();
    expect(parseRetryAfterHeader('1e3', now)).toBeUndefined();
  });

  it('keeps a non-JSON error message as is', () => {
    expect(parseUpstreamError('upstream connect error')).toEqual({ message: 'upstream connect error' });
  });
});
