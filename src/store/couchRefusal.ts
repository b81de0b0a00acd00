import { CouchError } from './CouchClient';

/**
 * A CouchDB refusal (`{ error, reason }` with its status) as a CouchError: "CouchDB answered 409
 * conflict: Document update conflict" plus `context` (" to GET …"). Non-string fields are left out,
 * and the server's words are masked of our credentials by `scrub` (a careless auth layer may quote them).
 */
export function couchRefusal(status: number, answer: { error?: unknown; reason?: unknown }, scrub: (text: string) => string, context = ''): CouchError {
  const name = typeof answer.error === 'string' ? scrub(answer.error) : undefined;
  const reason = typeof answer.reason === 'string' ? scrub(answer.reason) : undefined;
  return new CouchError(`CouchDB answered ${status}${name ? ` ${name}` : ''}${reason ? `: ${reason}` : ''}${context}`, { status, error: name });
}
