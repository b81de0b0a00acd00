/**
 * Starts the real service for a test: HTTP and WebSocket on ephemeral ports, silent logs,
 * every event validated against its schema at the source.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/loadConfig';
import { createService, type Service, type ServiceOverrides } from '../../src/createService';
import { createLogger, type LogLevel } from '../../src/logging/createLogger';

export interface TestService extends Service {
  config: Config;
  dataDir: string;
}

/**
 * @param env environment overrides (strings, as in a real environment)
 * @param overrides dependencies to use instead of the ones the config builds
 */
export async function startTestService(env: Record<string, string> = {}, overrides: ServiceOverrides = {}): Promise<TestService> {
  const ownDataDir = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-test-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    WS_PORT: '0',
    ENGINE: 'local',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...env,
  });
  const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as LogLevel | undefined) ?? 'silent' });
  let service: Service;
  try {
    // In-process database: tests start many services, and forking it costs ~1 s under ts-node.
    service = await createService(config, logger, { validateEvents: true, embeddedStore: 'in-process', ...overrides });
  } catch (err) {
    if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...service,
    config,
    dataDir,
    async close(options) {
      await service.close(options);
      // The folder this helper made is removed; one the caller named is kept (restart tests).
      if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
