/**
 * Why a URL variable's value cannot be used (undefined when it can): the checks behind
 * COUCHDB_URL, REDIS_URL and GEMINI_BASE_URL, so a bad value stops the start instead of failing
 * every request later.
 */

const HTTP = { 'http:': 'http://', 'https:': 'https://' };
const REDIS = { 'redis:': 'redis://', 'rediss:': 'rediss:// (TLS)' };

/**
 * `value` as a URL naming a host, with a protocol among `protocols` (protocol → how the error
 * writes it), or why it is not one (`example` shows a good one).
 */
function parseServerUrl(value: string, example: string, protocols: Record<string, string>): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a URL such as ${example}`;
  }
  if (!Object.hasOwn(protocols, url.protocol)) return `must start with ${Object.values(protocols).join(' or ')}`;
  if (!url.hostname) return 'names no host';
  return url;
}

/** Credentials a client decodes before it sends them: a stray '%' would fail only at connect time. */
function credentialsProblem(url: URL): string | undefined {
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return "the user name or password holds a '%' that is not URL-encoded (write it as %25)";
  }
  return undefined;
}

const hasQueryOrFragment = (url: URL, value: string) => Boolean(url.search || url.hash || value.includes('?') || value.includes('#'));

/** Why `value` cannot be a CouchDB server's URL. */
export function couchUrlProblem(value: string): string | undefined {
  const url = parseServerUrl(value, 'http://user:password@localhost:5984', HTTP);
  return typeof url === 'string' ? url : credentialsProblem(url);
}

/**
 * Why `value` cannot be REDIS_URL: `redis://` or `rediss://` (TLS), a host, credentials
 * node-redis can decode, and at most a database number as the path. A query is refused rather
 * than ignored (node-redis reads nothing from it: `?db=1` would silently use 0).
 */
export function redisUrlProblem(value: string): string | undefined {
  const url = parseServerUrl(value, 'redis://:password@localhost:6379', REDIS);
  if (typeof url === 'string') return url;
  const credentials = credentialsProblem(url);
  if (credentials) return credentials;
  if (hasQueryOrFragment(url, value)) return 'must not have a query or fragment (a database number goes in the path: redis://host:6379/1)';
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,5}$/.test(url.pathname)) return 'its path can only be a database number (redis://host:6379/1)';
  return undefined;
}

/**
 * Why `value` cannot be GEMINI_BASE_URL. The SDK appends `/v1beta/models/…` to it and fetches
 * that, so a value it cannot fetch would only fail every request (502) instead of the start:
 * another scheme ("localhost:8080" reads as scheme "localhost:"), credentials (fetch refuses
 * them, and its error would echo the password to clients), or a query or fragment (the path
 * lands after it).
 */
export function geminiUrlProblem(value: string): string | undefined {
  const url = parseServerUrl(value, 'https://gemini-gateway.example', HTTP);
  if (typeof url === 'string') return url;
  if (url.username || url.password) return 'must not hold a user name or password (the Gemini client cannot send them; the key goes in GEMINI_API_KEY)';
  if (hasQueryOrFragment(url, value)) return 'must not have a query or fragment (the API path is appended to it)';
  return undefined;
}
