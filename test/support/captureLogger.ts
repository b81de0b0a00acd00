import type { Logger, LogFn } from '../../src/logging/Logger';

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  fields: Record<string, unknown>;
}

/**
 * A Logger that records every entry, so tests can assert what was logged; `rebound` lists each
 * key a child logger bound again over its parent's (pino would print such a key twice).
 */
export function captureLogger(): Logger & { entries: LogEntry[]; rebound: string[] } {
  const entries: LogEntry[] = [];
  const rebound: string[] = [];
  const build = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: LogEntry['level']): LogFn =>
      (objOrMsg: object | string, msg?: string) => {
        if (typeof objOrMsg === 'string') entries.push({ level, msg: objOrMsg, fields: { ...bindings } });
        else entries.push({ level, msg: msg ?? '', fields: { ...bindings, ...(objOrMsg as Record<string, unknown>) } });
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      fatal: at('fatal'),
      child: (more) => {
        for (const key of Object.keys(more)) if (key in bindings) rebound.push(`${key}: ${String(bindings[key])} → ${String(more[key])}`);
        return build({ ...bindings, ...more });
      },
    };
  };
  return Object.assign(build({}), { entries, rebound });
}
