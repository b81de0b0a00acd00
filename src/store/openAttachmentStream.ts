/**
 * Streams attachments from CouchDB's HTTP API with fetch, for `CouchClient.openAttachment`.
 *
 * Not through nano: its stream mode hides the answer's status, so a 206 cannot be told from a 200,
 * takes no Range header, and a connection lost mid-body is an 'error' on an inner stream that no
 * caller can listen to, which ends the process.
 */
import type { Readable } from 'node:stream';
import { CouchError, type ByteSpan, type CallOptions } from './CouchClient';
import { createDeadline } from '../util/createDeadline';
import { errorMessage } from '../util/errorMessage';
import { isJsonObject } from '../util/isJsonObject';
import { sliceWebBody } from './sliceWebBody';
import { couchRefusal } from './couchRefusal';
import { createSecretScrub } from '../util/createSecretScrub';

export interface AttachmentOpenerOptions {
  /** Server URL; credentials in it are sent as Basic auth, as nano does. */
  url: string;
  /** Deadline of one call (the wait for the answer, then each wait for more bytes). */
  timeoutMs: number;
  /** Aborts every call: the client is closed. */
  closing: AbortSignal;
}

export type AttachmentOpener = (db: string, id: string, name: string, span: ByteSpan, options?: CallOptions) => Promise<Readable | null>;

const CONTENT_RANGE = /^bytes (\d+)-\d+\/(?:\d+|\*)$/;

/** Opens attachments of the server at `options.url` (see `CouchClient.openAttachment`). */
export function createAttachmentOpener(options: AttachmentOpenerOptions): AttachmentOpener {
  const root = new URL(options.url);
  const scrub = createSecretScrub(options.url);
  const headers: Record<string, string> = { accept: '*/*', 'accept-encoding': 'identity' };
  if (root.username || root.password) {
    const credentials = `${decodeURIComponent(root.username)}:${decodeURIComponent(root.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  root.username = '';
  root.password = '';
  // A path in the URL (CouchDB behind a proxy at /couchdb) is the server root.
  const base = root.href.endsWith('/') ? root.href : `${root.href}/`;

  return async (db, id, name, span, callOptions = {}) => {
    if (options.closing.aborted) throw new CouchError('CouchDB client is closed');
    const url = new URL([db, id, name].map(encodeURIComponent).join('/'), base);
    const what = `GET ${db}/${id}/${name}`;
    const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs;
    const take = span.end - span.start + 1;
    const call = new AbortController();
    const deadline = createDeadline(timeoutMs, [options.closing, callOptions.signal, call.signal]);
    try {
      // The embedded server ignores Range (200, all of it): then the slice is cut here.
      const rangeHeader: Record<string, string> = take > 0 ? { range: `bytes=${span.start}-${span.end}` } : {};
      const response = await fetch(url, { headers: { ...headers, ...rangeHeader }, signal: deadline.signal, redirect: 'error' });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.status !== 200 && response.status !== 206) throw await answerError(response, what, scrub);
      const skip = response.status === 206 ? skipOf206(response, span, what) : span.start;
      if (!response.body) throw new CouchError(`the answer to ${what} has no body`);
      return sliceWebBody(response.body, { skip, take, idleTimeoutMs: timeoutMs, call });
    } catch (err) {
      call.abort();
      if (err instanceof CouchError) throw err;
      throw new CouchError(`CouchDB unreachable: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`, { cause: err });
    } finally {
      // Only the wait for the answer; the body's waits are the slice's.
      deadline.clear();
    }
  };
}

/** Where the 206's bytes start relative to the asked span (a server may send from earlier). */
function skipOf206(response: Response, span: ByteSpan, what: string): number {
  const match = CONTENT_RANGE.exec(response.headers.get('content-range') ?? '');
  const first = match ? Number(match[1]) : NaN;
  if (!(first <= span.start)) throw new CouchError(`the answer to ${what} is not the range asked for`);
  return span.start - first;
}

/** A refusal as CouchDB words it (`{ error, reason }`, masked of our credentials by `scrub`), with its status. */
async function answerError(response: Response, what: string, scrub: (text: string) => string): Promise<CouchError> {
  const body: unknown = await response.json().catch(() => undefined);
  return couchRefusal(response.status, isJsonObject(body) ? body : {}, scrub, ` to ${what}`);
}
