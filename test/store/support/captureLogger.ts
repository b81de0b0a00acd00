import type { Logger, LogFn } from '../../../src/logging/Logger';

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that records every entry, so tests can assert what was logged. */
export function captureLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
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
      child: (more) => build({ ...bindings, ...more }),
    };
  };
  return Object.assign(build({}), { entries });
}
