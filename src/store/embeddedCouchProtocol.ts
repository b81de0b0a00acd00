/**
 * What the service and its embedded-CouchDB child process say to each other: the child's argv
 * and the IPC messages. Its own module because the parent must not load the child's entry
 * (that would load PouchDB into the service process, which the child process exists to avoid).
 */
import { parseArgs } from 'node:util';
import type { LogLevel } from '../logging/createLogger';

/** Messages the child sends to its parent. */
export type ChildMessage =
  | { kind: 'ready'; url: string }
  /** `variable`: the setting to change, when the failure was a StartupError (e.g. DATA_DIR in use). */
  | { kind: 'start_failed'; error: string; variable?: string }
  /** LevelDB failed a write to disk and refuses writes until it is reopened: restart this child. */
  | { kind: 'storage_failed'; error: string };
/** Messages the parent sends to the child. */
export type ParentMessage = { kind: 'stop' };

export interface ChildSettings {
  /** LevelDB directory. */
  dataDir: string;
  /** Loopback address to listen on. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** pino level of the child's logs (on the inherited stdout). */
  logLevel: LogLevel;
  /** How long to wait for another process to let go of the directory (default 10 s). */
  lockWaitMs?: number;
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The child's argv: `--data-dir=… --host=… --port=… --log-level=…`. */
export function toChildArgs(settings: ChildSettings): string[] {
  const args = [`--data-dir=${settings.dataDir}`, `--host=${settings.host}`, `--port=${settings.port}`, `--log-level=${settings.logLevel}`];
  return settings.lockWaitMs === undefined ? args : [...args, `--lock-wait-ms=${settings.lockWaitMs}`];
}

/**
 * Parses the child's argv. Only --data-dir is required; host defaults to 127.0.0.1, port to 0,
 * log level to 'warn'. Throws on anything unknown or malformed.
 */
export function parseChildArgs(args: string[]): ChildSettings {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'log-level': { type: 'string', default: 'warn' },
      'lock-wait-ms': { type: 'string' },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port must be 0-65535; got "${values.port}"`);
  const logLevel = values['log-level'] as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}; got "${logLevel}"`);
  const lockWait = values['lock-wait-ms'];
  if (lockWait !== undefined && !/^\d+$/.test(lockWait)) throw new Error(`--lock-wait-ms must be a whole number; got "${lockWait}"`);
  return { dataDir, host: values.host, port, logLevel, ...(lockWait !== undefined ? { lockWaitMs: Number(lockWait) } : {}) };
}
