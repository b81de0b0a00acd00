/**
 * Like startTestService, but with a logger that records every entry, for asserting what the
 * service logged (e.g. a failing event listener, with its request id).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/loadConfig';
import { createService, type Service, type ServiceOverrides } from '../../../src/createService';
import { captureLogger, type LogEntry } from '../../support/captureLogger';

export interface LoggedService extends Service {
  logs: LogEntry[];
  /** Keys a child logger bound again (see captureLogger). */
  rebound: string[];
}

export async function startLoggedService(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): Promise<LoggedService> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-hardening-'));
  const config = loadConfig({ HOST: '127.0.0.1', HTTP_PORT: '0', WS_PORT: '0', ENGINE: 'local', DATA_DIR: dataDir, ...env });
  const logger = captureLogger();
  let service: Service;
  try {
    service = await createService(config, logger, { validateEvents: true, ...overrides });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...service,
    logs: logger.entries,
    rebound: logger.rebound,
    async close() {
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
