import { isJsonObject } from '../util/isJsonObject';

/**
 * Whether a server's `GET /` answer is a CouchDB-compatible welcome: `{"couchdb":"Welcome",…}`
 * (CouchDB, Cloudant, Sync Gateway), `{"express-pouchdb":"Welcome",…}`, or at least a JSON
 * object with a `version`. A web page or any other HTTP server answering 200 is not: treating it
 * as a database would lose every write.
 */
export function isCouchWelcome(info: unknown): boolean {
  if (!isJsonObject(info)) return false;
  return 'couchdb' in info || 'express-pouchdb' in info || typeof info.version === 'string';
}

/** The CouchError `error` name for such a server. */
export const NOT_COUCHDB_ERROR = 'not_couchdb';

/** The error a store reports for a server that answers, but not as CouchDB. */
export const NOT_COUCHDB = 'the server at this URL answers, but not as CouchDB (its GET / is no CouchDB welcome); check COUCHDB_URL';
