/**
 * The entry of the child process that runs the embedded CouchDB-compatible server, so PouchDB's
 * memory and its main-thread attachment work stay out of the service process (forkEmbeddedCouch
 * starts it). Settings come as argv, so `ps` shows which directory a child serves:
 *
 *   --data-dir=<dir>   LevelDB directory (required)
 *   --host=<host>      loopback address to listen on (default 127.0.0.1)
 *   --port=<port>      0 picks a free port (default 0)
 *   --log-level=<lvl>  pino level of this process's logs, on the inherited stdout (default warn)
 *   --lock-wait-ms=<n> how long to wait for another process to let go of the directory (default 10000)
 *
 * Protocol over the IPC channel: the child sends `{ kind: 'ready', url }` once it listens, or
 * `{ kind: 'start_failed', error }` and exits 1; later `{ kind: 'storage_failed', error }` once
 * LevelDB refuses writes until reopened (a failed write to disk). The parent sends `{ kind: 'stop' }`; the child
 * closes the server (releasing the LevelDB lock) and exits 0. It does the same when the channel
 * disconnects, i.e. the parent died, so no orphan keeps holding the lock.
 */
import { StartupError } from '../errors/StartupError';
import { createLogger } from '../logging/createLogger';
import type { Logger } from '../logging/Logger';
import { parseChildArgs, type ChildMessage, type ChildSettings, type ParentMessage } from './embeddedCouchProtocol';
import { startEmbeddedCouch, type EmbeddedCouch } from './startEmbeddedCouch';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    // The callback runs once the message is handed to the channel: exiting earlier could drop it.
    process.send(message, undefined, {}, () => resolve());
  });
}

async function run(): Promise<void> {
  let settings: ChildSettings;
  try {
    settings = parseChildArgs(process.argv.slice(2));
  } catch (err) {
    await send({ kind: 'start_failed', error: `embedded CouchDB child: ${(err as Error).message}` });
    process.exit(1);
  }
  const logger: Logger = createLogger({ level: settings.logLevel }).child({ process: 'embedded-couchdb' });

  let starting: Promise<EmbeddedCouch> | undefined;
  let ready = false;
  let storageFailure: ChildMessage | undefined;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'embedded CouchDB child stopping');
    try {
      // A stop during start-up waits for the server so its LevelDB lock is released, not torn.
      const server = await starting?.catch(() => undefined);
      await server?.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'embedded CouchDB child failed to close cleanly');
      process.exit(1);
    }
  };
  // Installed before the server starts: a stop can arrive at any time.
  process.on('message', (message: ParentMessage) => {
    if (message?.kind === 'stop') void stop('stop requested');
  });
  process.on('disconnect', () => void stop('parent process gone (IPC channel closed)'));
  // Ctrl-C in a terminal (and systemd's stop) signal the whole process group. The parent decides
  // when this server stops: it is still flushing writes to it while it drains.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => logger.debug({ signal }, 'ignoring signal: the parent process stops this server'));
  }

  starting = startEmbeddedCouch({
    dataDir: settings.dataDir,
    host: settings.host,
    port: settings.port,
    lockWaitMs: settings.lockWaitMs,
    logger,
    // Reads keep being served until the parent replaces this process. The parent listens for
    // this only once it has 'ready', so a failure during start-up is told after it.
    onStorageFailure: (err) => {
      const failed: ChildMessage = { kind: 'storage_failed', error: err.message };
      if (ready) void send(failed);
      else storageFailure = failed;
    },
  });
  let server: EmbeddedCouch;
  try {
    server = await starting;
  } catch (err) {
    if (stopping) return; // stop() exits.
    // The parent rejects with this message (and the service logs or prints it); the stack is for debugging.
    logger.debug({ err }, 'embedded CouchDB child failed to start');
    const variable = err instanceof StartupError ? err.variable : undefined;
    await send({ kind: 'start_failed', error: (err as Error).message ?? String(err), ...(variable ? { variable } : {}) });
    process.exit(1);
  }
  if (stopping) return;
  await send({ kind: 'ready', url: server.url });
  ready = true;
  if (storageFailure) await send(storageFailure);
}

if (require.main === module) {
  if (!process.send) {
    console.error('embeddedCouchProcess must be started with child_process.fork (it needs an IPC channel)');
    process.exit(1);
  }
  void run();
}
