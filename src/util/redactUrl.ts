/** Schemes of the servers this service is configured with (CouchDB, Gemini, Redis). */
const SHOWN_SCHEMES = new Set(['http:', 'https:', 'redis:', 'rediss:']);

/**
 * The URL without secrets: user and password become `***`, query and fragment are dropped.
 * Anything that is not an HTTP(S) or Redis URL is reported as `[invalid url]` rather than echoed.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Only these schemes are shown: other "URLs" may just be a secret with a colon in it.
    // `redis:secret` parses, with no host: it is not a server's URL.
    if (!SHOWN_SCHEMES.has(parsed.protocol) || !parsed.host) return '[invalid url]';
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '***';
    }
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '[invalid url]';
  }
}
