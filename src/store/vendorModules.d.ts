/**
 * Minimal typings of the untyped packages behind the embedded server; only what
 * startEmbeddedCouch uses.
 */
declare module 'pouchdb-node' {
  interface PouchDBStatic {
    defaults(options: { prefix?: string; db?: unknown; deterministic_revs?: boolean }): new (name: string, options?: object) => { name: string; close(): Promise<void>; info(): Promise<unknown> };
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

declare module 'leveldown' {
  /** One LevelDB (abstract-leveldown 7); the underscored methods are what the public ones call. */
  export interface LevelDown {
    _put(...args: unknown[]): void;
    _del(...args: unknown[]): void;
    _batch(...args: unknown[]): void;
    /** Opens the database; `options` reaches LevelDB (cacheSize, writeBufferSize, …). */
    _open: (this: LevelDown, options: Record<string, unknown>, callback: (err?: Error | null) => void) => void;
    _chainedBatch: (this: LevelDown) => object;
  }
  export interface LevelDownConstructor {
    (location: string): LevelDown;
    destroy(this: void, location: string, callback: (err?: Error | null) => void): void;
    repair(this: void, location: string, callback: (err?: Error | null) => void): void;
  }
  const leveldown: LevelDownConstructor;
  export default leveldown;
}

/**
 * undici's Agent on its own (its package index also loads the mock, cache, WebSocket and
 * EventSource modules: 110 modules and about 2 MB more at rest, for one class).
 */
declare module 'undici/lib/dispatcher/agent' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export = AgentClass;
}
