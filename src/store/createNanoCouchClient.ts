import nano from 'nano';
import Agent from 'undici/lib/dispatcher/agent';
import {
  CouchError,
  type CallOptions,
  type CouchClient,
  type CouchDoc,
  type DatabaseInfo,
  type RangeQuery,
  type ServerInfo,
  type ViewRow,
} from './CouchClient';
import { createDeadline } from '../util/createDeadline';
import { errorMessage } from '../util/errorMessage';
import { untilAborted } from '../util/untilAborted';
import { createSecretScrub } from '../util/createSecretScrub';
import { createAnswerWatch } from './createAnswerWatch';
import { couchRefusal } from './couchRefusal';
import { isJsonObject } from '../util/isJsonObject';
import { NOT_COUCHDB_ERROR } from './isCouchWelcome';
import { createAttachmentOpener } from './openAttachmentStream';

/** nano's request options, including the ones its typings leave out. */
interface RelaxOptions {
  db?: string;
  method?: string;
  path?: string;
  doc?: string;
  att?: string;
  qs?: Record<string, unknown>;
  body?: unknown;
  contentType?: string;
  encoding?: null;
  dontParse?: boolean;
  dontStringify?: boolean;
  signal?: AbortSignal;
}

export interface NanoCouchClientOptions {
  /** Server URL; credentials in it are sent as Basic auth. */
  url: string;
  /** Default deadline of one call. */
  timeoutMs?: number;
  /** Most bytes of one answer's body read (attachment downloads aside); a larger answer fails the call unread. Default 16 MiB. */
  maxAnswerBytes?: number;
}

/**
 * A CouchDB answer the store reads whole is a document (CouchDB's own limit is 8 MB by default), a
 * page of a view or the events of one request: far under this. More is not read into memory.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * A CouchClient over nano (the only CouchDB client the project uses; attachments are streamed with
 * fetch, see openAttachmentStream). Each call gets a deadline and is aborted by `close()`, so
 * nothing outlives the store.
 */
export function createNanoCouchClient(options: NanoCouchClientOptions): CouchClient {
  // parseUrl: false keeps a path in the URL (CouchDB behind a reverse proxy at /couchdb) as the
  // server root instead of nano reading it as a database name.
  const config = { url: options.url, parseUrl: false };
  const maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  const defaultTimeoutMs = options.timeoutMs ?? 30_000;
  const closing = new AbortController();
  // The client's own connections, so close() releases them.
  const agent = new Agent();
  const scrub = createSecretScrub(options.url);
  const openAttachment = createAttachmentOpener({ url: options.url, timeoutMs: defaultTimeoutMs, closing: closing.signal });

  /** One call, through a nano of its own whose dispatcher watches this call's answer. */
  async function call<T>(opts: RelaxOptions, callOptions: CallOptions = {}, maxBytes = maxAnswerBytes): Promise<T> {
    if (closing.signal.aborted) throw new CouchError('CouchDB client is closed');
    const deadline = createDeadline(callOptions.timeoutMs ?? defaultTimeoutMs, [closing.signal, callOptions.signal]);
    const answer = createAnswerWatch(agent, maxBytes);
    // identity: a compressed answer could not be bounded (see createAnswerWatch).
    const server = nano({ ...config, headers: { 'Accept-Encoding': 'identity' }, agentOptions: answer.dispatcher as never });
    const relax = server.relax.bind(server) as unknown as (opts: RelaxOptions) => Promise<unknown>;
    try {
      // The deadline ends the call itself, not only its fetch: nano leaves a body the abort cut
      // unsettled.
      const result = await untilAborted(relax({ ...opts, signal: deadline.signal }), deadline.signal);
      // What nano made of a body that did not arrive whole ('' or a part) is no answer.
      const cut = answer.failure();
      if (cut) throw new CouchError(`CouchDB unreachable: its answer was cut short (${errorMessage(cut)})`, { cause: cut });
      return result as T;
    } catch (err) {
      throw toCouchError(err, scrub);
    } finally {
      deadline.clear();
    }
  }

  async function orNullOn404<T>(promise: Promise<T>): Promise<T | null> {
    try {
      return await promise;
    } catch (err) {
      if (err instanceof CouchError && err.status === 404) return null;
      throw err;
    }
  }

  return {
    serverInfo: (callOptions) => call<ServerInfo>({ path: '' }, callOptions),

    async createDatabase(db) {
      try {
        await call({ db, method: 'PUT' });
        return 'created';
      } catch (err) {
        if (err instanceof CouchError && err.status === 412) return 'exists';
        throw err;
      }
    },

    async databaseInfo(db, callOptions) {
      const info = await call<unknown>({ db }, callOptions);
      if (!isJsonObject(info) || typeof info.doc_count !== 'number') throw notCouchAnswer(`GET ${db}`);
      return info as DatabaseInfo;
    },

    async getDoc(db, id) {
      const doc = await orNullOn404(call<unknown>({ db, doc: id }));
      if (doc === null) return null;
      if (!isJsonObject(doc) || doc._id !== id) throw notCouchAnswer(`GET ${db}/${id}`);
      return doc as CouchDoc;
    },

    async putDoc(db, doc) {
      return revOf(await call<unknown>({ db, doc: doc._id, method: 'PUT', body: doc }), `PUT ${db}/${doc._id}`);
    },

    async putAttachment(db, id, name, data, contentType, rev) {
      const result = await call<unknown>({
        db,
        doc: id,
        att: encodeURIComponent(name),
        method: 'PUT',
        contentType,
        body: data,
        dontStringify: true,
        qs: rev ? { rev } : undefined,
      });
      // Some servers answer attachment writes as text; the rev is in the JSON either way.
      return revOf(typeof result === 'string' ? parseJson(result) : result, `PUT ${db}/${id}/${name}`);
    },

    async getAttachment(db, id, name) {
      // An attachment is as large as it is (an upload, a generated image).
      const body = await orNullOn404(
        call<Buffer | string>({ db, doc: id, att: encodeURIComponent(name), encoding: null, dontParse: true }, {}, Infinity),
      );
      if (body === null) return null;
      return Buffer.isBuffer(body) ? body : Buffer.from(body);
    },

    openAttachment,

    async allDocs(db, query) {
      return rowsOf(await call<unknown>({ db, path: '_all_docs', qs: toQs(query) }), `GET ${db}/_all_docs`);
    },

    async view(db, designDoc, view, query, callOptions) {
      const path = `_design/${encodeURIComponent(designDoc)}/_view/${encodeURIComponent(view)}`;
      return rowsOf(await call<unknown>({ db, path, qs: toQs(query) }, callOptions), `GET ${db}/${path}`);
    },

    close() {
      if (closing.signal.aborted) return;
      closing.abort(new Error('CouchDB client closed'));
      void agent.destroy().catch(() => undefined);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A success answer CouchDB would never send (a web server at COUCHDB_URL answering 200 to
 * everything). It is treated as no answer: reads fail as unavailable instead of inventing a
 * document, and writes wait in the queue instead of counting as stored or being dropped.
 */
function notCouchAnswer(call: string): CouchError {
  return new CouchError(`the answer to ${call} is not CouchDB's (is COUCHDB_URL a CouchDB server?)`, { error: NOT_COUCHDB_ERROR });
}

function revOf(result: unknown, call: string): string {
  if (!isJsonObject(result) || typeof result.rev !== 'string') throw notCouchAnswer(call);
  return result.rev;
}

/** The rows of a view or `_all_docs` answer; each must be an object, as the readers take it. */
function rowsOf(result: unknown, call: string): ViewRow[] {
  if (!isJsonObject(result) || !Array.isArray(result.rows) || !result.rows.every(isJsonObject)) throw notCouchAnswer(call);
  return result.rows as unknown as ViewRow[];
}

/** nano JSON-encodes startkey/endkey itself; drop undefined so they are not sent. */
function toQs(query: RangeQuery): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
}

/**
 * nano's failure as a CouchError. What the server said is masked of our credentials (`scrub`), and
 * nano's own error, which holds the server's words as they came, is not kept as the cause.
 */
function toCouchError(err: unknown, scrub: (text: string) => string): CouchError {
  if (err instanceof CouchError) return err;
  const e = err as { statusCode?: number; error?: unknown; reason?: unknown; message?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined) return new CouchError(`CouchDB unreachable: ${e?.message ?? String(err)}`, { cause: err });
  return couchRefusal(status, e, scrub);
}
