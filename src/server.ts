/**
 * The entry point: reads the configuration, wires the real components, and handles signals.
 * Everything else is built by factories, so tests start their own instances.
 */
import dotenv from 'dotenv';
import { findUnknownVariables } from './config/findUnknownVariables';
import { ConfigError, loadConfig, type Config } from './config/loadConfig';
import { createService, type Service } from './createService';
import { createLogger } from './logging/createLogger';
import { StartupError } from './errors/StartupError';

/**
 * How long the stop after an uncaught exception may take (stopping requests, closing sockets,
 * storing or spooling queued writes) before the process exits regardless.
 */
const CRASH_STOP_MS = 20_000;

async function main(): Promise<void> {
  const dotenvResult = dotenv.config({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error:\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  const logger = createLogger({ level: config.logLevel });
  const wsLogger = config.debugWebsocket ? createLogger({ level: 'debug', name: 'websocket' }) : undefined;
  for (const { name, didYouMean } of findUnknownVariables(Object.keys(dotenvResult.parsed ?? {}))) {
    logger.warn({ variable: name, ...(didYouMean ? { didYouMean } : {}) }, 'variable in .env is not a setting of this service; ignored');
  }

  // Signals are handled from before start-up: a SIGTERM while the embedded database starts
  // must still stop it and close its files, not kill this process by the default action.
  let service: Service | undefined;
  let stopRequested = false;
  let signals = 0;
  let crashed = false;
  const stop = (running: Service, options?: { drain: false }) =>
    running.close(options).then(
      () => {
        logger.info('shutdown complete');
        process.exit(crashed ? 1 : 0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    if (!service) {
      logger.info({ signal }, 'signal during start-up: stopping as soon as start-up finishes');
      stopRequested = true;
      return;
    }
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void stop(service);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  // A stray rejection is logged, never fatal. An uncaught exception leaves state unknown: no
  // request is awaited, but what the store still holds is written or spooled (a bounded close)
  // rather than lost, then the process exits with 1.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    process.exitCode = 1;
    if (crashed || !service) {
      logger.fatal({ err }, 'uncaught exception; exiting');
      setTimeout(() => process.exit(1), 100).unref();
      return;
    }
    crashed = true;
    logger.fatal({ err }, 'uncaught exception; stopping in-flight requests and keeping queued writes, then exiting');
    setTimeout(() => {
      logger.error({ afterMs: CRASH_STOP_MS }, 'stopping after the uncaught exception takes too long; exiting now');
      process.exit(1);
    }, CRASH_STOP_MS).unref();
    void stop(service, { drain: false });
  });

  try {
    service = await createService(config, logger, { wsLogger });
  } catch (err) {
    if (err instanceof StartupError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (stopRequested) {
    void stop(service);
    return;
  }

  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  logger.info(
    {
      engine: config.engine,
      http: `http://${host}:${service.httpPort}`,
      websocket: `ws://${host}:${service.wsPort}`,
      testPage: `http://${host}:${service.httpPort}/`,
    },
    'SnatchShot Cloud API ready',
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
