/**
 * Minimal typings of the two untyped packages behind the embedded server; only what
 * startEmbeddedCouch uses.
 */
declare module 'pouchdb-node' {
  interface PouchDBStatic {
    defaults(options: { prefix?: string }): new (name: string, options?: object) => { name: string; close(): Promise<void>; info(): Promise<unknown> };
    /** PouchDB classes are EventEmitters ('created', 'destroyed'); subclasses share the root's listeners. */
    listeners(event: string): Array<(...args: unknown[]) => void>;
    removeListener(event: string, listener: (...args: unknown[]) => void): void;
  }
  const PouchDB: PouchDBStatic;
  export default PouchDB;
}

declare module 'express-pouchdb' {
  import type { RequestListener } from 'node:http';

  interface ExpressPouchdbOptions {
    mode?: 'minimumForPouchDB' | 'fullCouchDB' | 'custom';
    inMemoryConfig?: boolean;
    configPath?: string;
    logPath?: string;
    overrideMode?: { include?: string[]; exclude?: string[] };
  }
  type ExpressPouchdbApp = RequestListener & {
    /** Starts the app's daemons (e.g. the _all_dbs tracker) for this PouchDB class. */
    setPouchDB(PouchDB: unknown): Promise<void>;
  };
  function expressPouchdb(options?: ExpressPouchdbOptions): ExpressPouchdbApp;
  export default expressPouchdb;
}
