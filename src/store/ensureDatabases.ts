import { CouchError, isCouchStatus, type CouchClient } from './CouchClient';
import { isCouchWelcome, NOT_COUCHDB, NOT_COUCHDB_ERROR } from './isCouchWelcome';

/** The two databases of the store. */
export interface DatabaseNames {
  /** One document per request; the upload and generated images are its attachments. */
  requests: string;
  /** One document per event, id `<requestId>:<seq>` so `_all_docs` returns a request's log in order. */
  events: string;
}

/** CouchDB database names must start with a lowercase letter: `[a-z][a-z0-9_$()+/-]*`. */
const DB_NAME = /^[a-z][a-z0-9_$()+/-]*$/;

/** Names for `prefix` (default `snatchshot_`), validated so a bad prefix fails at start-up. */
export function databaseNames(prefix = 'snatchshot_'): DatabaseNames {
  const names = { requests: `${prefix}requests`, events: `${prefix}events` };
  for (const name of Object.values(names)) {
    if (!DB_NAME.test(name)) throw new Error(`invalid CouchDB database name "${name}" (check dbPrefix)`);
  }
  return names;
}

/** Design document of the requests database: listings newest first, all or by status. */
export const REQUESTS_DESIGN_DOC = 'snatchshot';

// Map functions are CouchDB JavaScript (ES5, evaluated by the server). The summary is emitted as
// the value so a listing never loads whole documents.
const summary =
  'var s = { status: doc.status || "processing", engine: doc.engine, createdAt: doc.createdAt, ' +
  'completedAt: doc.completedAt, imagesGenerated: doc.imagesGenerated, ' +
  'totalImages: doc.images ? doc.images.length : undefined, totalTime: doc.totalTime };';

const designDoc = {
  version: 1,
  language: 'javascript',
  views: {
    newest: { map: `function (doc) { if (doc.type !== "request") return; ${summary} emit(doc._id, s); }` },
    by_status: {
      map: `function (doc) { if (doc.type !== "request") return; ${summary} emit([s.status, doc._id], s); }`,
    },
  },
};

const isRefused = (err: unknown) => isCouchStatus(err, 401) || isCouchStatus(err, 403);

/**
 * Creates the databases, and the design document when missing or of an older version. Safe to
 * run from several instances at once: 412 (database exists) and 409 (design document raced) are
 * expected.
 * A user who may not create databases (not a server admin) works with databases an admin created;
 * one who may not write design documents (not a database admin) gets a warning back: writes
 * work, listings do not until an admin runs the service once.
 */
export async function ensureDatabases(client: CouchClient, names: DatabaseNames): Promise<{ warnings: string[] }> {
  // Any HTTP server "creates" a database by answering 200; only a CouchDB stores the writes.
  // No status: to the write queue this is a server not there yet, so writes wait, not drop.
  if (!isCouchWelcome(await client.serverInfo())) throw new CouchError(NOT_COUCHDB, { error: NOT_COUCHDB_ERROR });
  const warnings: string[] = [];
  for (const db of [names.requests, names.events]) {
    try {
      await client.createDatabase(db);
    } catch (err) {
      if (!isRefused(err)) throw err;
      // Not allowed to create; fine if it already exists (this throws when it does not).
      await client.databaseInfo(db);
    }
  }
  const id = `_design/${REQUESTS_DESIGN_DOC}`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await client.getDoc(names.requests, id);
    // A newer one was written by a later release sharing the database (a rolling deploy): keep
    // it, or instances of the two releases would rewrite it in turn, each rewrite rebuilding
    // the views. A release that bumps the version keeps the views older ones query.
    if (current && typeof current.version === 'number' && current.version >= designDoc.version) return { warnings };
    try {
      await client.putDoc(names.requests, { _id: id, ...(current?._rev ? { _rev: current._rev } : {}), ...designDoc });
      return { warnings };
    } catch (err) {
      if (isRefused(err)) {
        warnings.push(`not allowed to write ${id} in ${names.requests}: request listings need it (a database admin must start the service once)`);
        return { warnings };
      }
      if (!isCouchStatus(err, 409)) throw err;
    }
  }
  return { warnings };
}
