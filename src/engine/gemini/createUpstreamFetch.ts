/**
 * The fetch the SDK uses for one attempt. It guards the process against what a hostile or
 * broken upstream can send, which the SDK takes as it comes: it refuses redirects, reads the
 * body within a byte limit, and never lets the API key come back in a body; and it keeps what
 * the SDK drops (the Retry-After header) or cannot tell (whether an answer arrived at all).
 */
import { EngineError } from '../../errors/EngineError';
import { formatMb } from '../../util/formatMb';
import { redactUrl } from '../../util/redactUrl';

/** What stands in for the API key wherever an upstream body echoed it. */
export const REDACTED_KEY = '[GEMINI_API_KEY]';

/** Gemini keys have 39 characters; 8 random ones turn up in 27 MB of base64 about once in 10⁷ answers. */
const MIN_REDACTED_KEY_LENGTH = 8;

export interface UpstreamFetchOptions {
  /** Largest body read, in bytes once decoded (a gzip bomb counts at its full size). */
  maxResponseBytes: number;
  /** The API key: replaced by REDACTED_KEY in every body, error bodies included. */
  apiKey?: string;
  model: string;
}

/** One attempt's fetch, and what it saw. */
export interface UpstreamFetch {
  fetch: typeof fetch;
  /** The `Retry-After` header of an error answer (the SDK's ApiError drops headers). */
  readonly retryAfterHeader: string | null;
  /** Headers arrived: a later failure is about the answer, not about reaching the server. */
  readonly answered: boolean;
}

/** Creates the fetch of one attempt. */
export function createUpstreamFetch(options: UpstreamFetchOptions): UpstreamFetch {
  let retryAfterHeader: string | null = null;
  let answered = false;
  const bounded: typeof fetch = async (input, init) => {
    // Followed, a redirect would carry the key (x-goog-api-key is not a header fetch strips)
    // and the photo to wherever it points, up to 20 times per attempt.
    const response = await fetch(input, { ...init, redirect: 'manual' });
    answered = true;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      const target = location ? ` to ${redactUrl(URL.canParse(location, response.url) ? new URL(location, response.url).href : location)}` : '';
      throw new EngineError(`Gemini answered with a redirect (${response.status}${target}), which is not followed (check GEMINI_BASE_URL) (${options.model})`, {
        status: 502,
      });
    }
    if (!response.ok) retryAfterHeader = response.headers.get('retry-after');
    const body = await readWithin(response, options);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return {
    fetch: bounded,
    get retryAfterHeader() {
      return retryAfterHeader;
    },
    get answered() {
      return answered;
    },
  };
}

/** The whole body, refused as soon as it passes the limit, with the key replaced. */
async function readWithin(response: Response, options: UpstreamFetchOptions): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = (): EngineError =>
    new EngineError(`Gemini sent a response larger than ${formatMb(options.maxResponseBytes)} MB, more than any answer it is asked for can be (${options.model})`, {
      status: 502,
    });
  // Undecoded, the declared length is the length: refuse it before reading a byte.
  const declared = Number(response.headers.get('content-length'));
  if (!response.headers.get('content-encoding') && declared > options.maxResponseBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > options.maxResponseBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  // A buffer of its own, not a slice of Node's shared pool, which Response would read whole.
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  const key = options.apiKey;
  // Echoed in an error body, the key would reach the client's message, the logs and the store.
  // A key of a few characters (a test's) would match inside base64 image data by chance.
  if (key && key.length >= MIN_REDACTED_KEY_LENGTH && Buffer.from(body.buffer).includes(key)) {
    return new TextEncoder().encode(new TextDecoder().decode(body).replaceAll(key, REDACTED_KEY));
  }
  return body;
}
