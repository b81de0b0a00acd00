/**
 * The URL without secrets: user and password become `***`, query and fragment are dropped.
 * Anything that is not an HTTP(S) URL is reported as `[invalid url]` rather than echoed.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Only HTTP(S) URLs are shown: other "URLs" may just be a secret with a colon in it.
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '[invalid url]';
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
