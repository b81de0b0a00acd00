/**
 * Runs the embedded CouchDB-compatible server in its own child process, the way a real CouchDB
 * runs beside the service: PouchDB's memory (~20 MB at rest, ~20 MB per concurrent 5 MB upload)
 * and its attachment work leave the service process. This module loads no PouchDB.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { StartupError } from '../errors/StartupError';
import type { LogLevel } from '../logging/createLogger';
import type { Logger } from '../logging/Logger';
import { toChildArgs, type ChildMessage, type ParentMessage } from './embeddedCouchProtocol';
import type { EmbeddedCouch, EmbeddedCouchOptions } from './startEmbeddedCouch';
import { settledWithin } from '../util/settledWithin';

export interface ForkedCouchOptions extends EmbeddedCouchOptions {
  /** How long the child may take to listen before it is killed. Default 20 s (ts-node is slow). */
  startTimeoutMs?: number;
  /** The wait before the first restart attempt, doubling per attempt. Default 200 ms. */
  restartBackoffMs?: number;
  /** The child's own log level (its JSON lines go to this process's stdout). Default 'warn'. */
  logLevel?: LogLevel;
}

/** After a crash, restart attempts wait 200 ms, 400 ms, 800 ms… (restartBackoffMs). */
const RESTART_BACKOFF_MS = 200;
const RESTART_ATTEMPTS = 4;
/** More crashes than this within the window is a crash loop: stop restarting. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/**
 * A child replaced for a storage failure is replaced again at most after 1 s, 2 s, 4 s… up to a
 * minute (a disk that stays full fails each new child too); the wait resets after quiet hours.
 */
const REPLACE_BACKOFF_MS = 1_000;
const MAX_REPLACE_DELAY_MS = 60_000;
const REPLACE_RESET_MS = 10 * 60_000;
/** Launching a replacement is retried for as long as it takes (the disk may need freeing), at most this far apart. */
const MAX_LAUNCH_DELAY_MS = 30_000;

// Same extension as this file: under ts-node/ts-jest the entry is the .ts source, which needs
// the loader; the compiled dist/ build forks the .js with no loader.
const ENTRY = path.join(__dirname, `embeddedCouchProcess${path.extname(__filename)}`);

/**
 * The child's V8 heap settings. PouchDB makes each attachment into garbage several times its
 * size (when these were measured, an array of one number per byte too: see deterministic_revs
 * in startEmbeddedCouch), nearly all of it at once, yet V8 sizes its heap from the machine's
 * memory: on a large machine it lets the old generation grow to up to 4× what survived the
 * last full collection before collecting again, so the child held 150-250 MB of heap after a
 * few 5 MB uploads with about 35 MB live. A growth of at most 30% over the live size makes it
 * collect that garbage, with no ceiling a large upload could hit (--max-old-space-size=512
 * would be one: the child died out of heap on 8 concurrent 40 MB attachments; with this flag it
 * stored them). Semi-spaces of 8 MB instead of 16 keep the young generation at most 16 MB. Measured CPU cost: ~10% per 5 MB
 * attachment (semi-spaces of 4 MB cost ~20% more; the service's own 1 MB about twice as slow).
 */
const CHILD_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=30'];

function childExecArgv(): string[] {
  // Not the parent's execArgv: --inspect would clash on the port, test-runner flags mean nothing,
  // and the service's young generation is sized for the service (see CHILD_HEAP_FLAGS).
  const argv: string[] = [...CHILD_HEAP_FLAGS];
  if (ENTRY.endsWith('.ts')) argv.push('-r', require.resolve('ts-node/register/transpile-only'));
  return argv;
}

/**
 * The child's environment: the service's, with two settings of glibc's malloc unless they are
 * set already (other C libraries ignore them).
 * - MALLOC_MMAP_THRESHOLD_=131072 (glibc's initial value, made fixed): allocations from 128 KB
 *   get pages of their own, returned to the system when freed. glibc otherwise raises the
 *   threshold to the largest block freed so far (up to 32 MB), so after the first attachment
 *   every buffer of a few MB came from its heap, which keeps what is freed: after 30 uploads of
 *   a 5 MB photo and a full garbage collection, 110-150 MB of that heap was held with 9 MB in
 *   use (20-50 MB with the fixed threshold). The price is fresh pages for each large buffer:
 *   ~20-35% more CPU per 5 MB attachment in the child (measured on its CPU time).
 * - MALLOC_ARENA_MAX=2: `npm start` sets it for both processes; a service started any other way
 *   (`node dist/src/server.js`, a container's command) would give the child up to 8 arenas per
 *   core, each keeping the memory freed by LevelDB's and the HTTP layer's threads.
 */
function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
  };
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `killed by ${signal}` : `exited with code ${code}`;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Forks one child and resolves with its URL once it listens; rejects with no process left behind. */
async function launch(options: ForkedCouchOptions, port: number, logger: Logger): Promise<{ child: ChildProcess; url: string }> {
  const args = toChildArgs({ dataDir: path.resolve(options.dataDir), host: options.host ?? '127.0.0.1', port, logLevel: options.logLevel ?? 'warn', lockWaitMs: options.lockWaitMs });
  const child = fork(ENTRY, args, {
    execArgv: childExecArgv(),
    env: childEnv(),
    // Its log lines appear with the service's; nothing reads its stdin.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Later errors (a failed kill or send) must not throw as unhandled 'error' events.
  child.on('error', (err) => logger.warn({ err, childPid: child.pid }, 'embedded CouchDB child process error'));
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`embedded CouchDB child did not start within ${timeoutMs} ms`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const onMessage = (message: ChildMessage) => {
        if (message?.kind === 'ready') {
          done();
          resolve(message.url);
        } else if (message?.kind === 'start_failed') {
          done();
          // A setting to change (DATA_DIR in use) stays a StartupError: the service prints one line.
          reject(message.variable ? new StartupError(message.error, message.variable) : new Error(message.error));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(new Error(`embedded CouchDB child ${describeExit(code, signal)} before it was ready`));
      };
      const onError = (err: Error) => {
        done();
        reject(new Error(`embedded CouchDB child could not be started: ${err.message}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    return { child, url };
  } catch (err) {
    // A child that reported failure exits by itself; one that hangs is killed. One that never
    // spawned (no pid) has no exit to wait for.
    if (child.pid !== undefined) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    throw err;
  }
}

/** Asks the child to stop, waits up to STOP_GRACE_MS for it to close LevelDB, then kills it. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref();
  const gone = exited(child);
  // Without a channel the child is already stopping: a closed channel is its cue. (It ignores
  // SIGTERM, which a process-group stop would also deliver, so the kill below is the fallback.)
  if (child.connected) child.send({ kind: 'stop' } satisfies ParentMessage, () => undefined);
  if (!(await settledWithin(gone, STOP_GRACE_MS))) {
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Starts the embedded server in a forked child process and resolves once it listens. When the
 * child exits unexpectedly it is logged at error level and restarted on the same port (so the
 * store's URL stays valid; the store's write queue retries the writes that failed meanwhile),
 * with a back-off, a few attempts per crash, and no more restarts in a crash loop. A child that
 * reports a failed write to disk (`storage_failed`) is replaced the same way, retried until a new
 * child starts, since LevelDB refuses writes after one until it is reopened.
 * `pid` is the current child's. `close()` stops the child (SIGKILL after 10 s); idempotent.
 */
export async function forkEmbeddedCouch(options: ForkedCouchOptions): Promise<EmbeddedCouch & { readonly pid: number }> {
  const logger = options.logger.child({ component: 'embedded-couchdb' });
  let { child, url } = await launch(options, options.port ?? 0, logger);
  // Restarts reuse the port the first child picked.
  const port = Number(new URL(url).port);
  let closing = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let wakeRestart: (() => void) | undefined;
  let restarting: Promise<void> | undefined;
  const crashes: number[] = [];

  /** Waits `ms`, or less when close() wakes it. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeRestart = resolve;
      restartTimer = setTimeout(resolve, ms);
    });

  /** Launches a new child on the same port, `attempts` times at most, with a growing wait before each. */
  const relaunch = async (attempts: number, reason: string) => {
    for (let attempt = 1; attempt <= attempts && !closing; attempt += 1) {
      await pause(Math.min(MAX_LAUNCH_DELAY_MS, (options.restartBackoffMs ?? RESTART_BACKOFF_MS) * 2 ** (attempt - 1)));
      if (closing) return;
      try {
        const launched = await launch(options, port, logger);
        if (closing) {
          await stopChild(launched.child);
          return;
        }
        child = launched.child;
        watch(child);
        logger.warn({ childPid: child.pid, url, attempt, reason }, 'embedded CouchDB child restarted');
        return;
      } catch (err) {
        logger.error({ err, attempt, port }, 'embedded CouchDB child failed to restart');
      }
    }
    if (!closing) logger.error({ port }, 'embedded CouchDB child could not be restarted; the store reports an error until the service restarts');
  };

  let replaceDelayMs = 0;
  let lastReplacedAt = 0;
  /**
   * LevelDB refuses writes after a failed write to disk until it is reopened, so the child that
   * reported one is replaced; it serves reads until then. The store's write queue retries the
   * refused writes, so they are stored once there is room again.
   */
  const replace = (failed: ChildProcess, error: string) => {
    if (closing || restarting || failed !== child) return;
    const now = Date.now();
    if (now - lastReplacedAt > REPLACE_RESET_MS) replaceDelayMs = 0;
    const delayMs = replaceDelayMs;
    replaceDelayMs = Math.min(MAX_REPLACE_DELAY_MS, Math.max(REPLACE_BACKOFF_MS, replaceDelayMs * 2));
    logger.error({ childPid: failed.pid, error, delayMs }, 'restarting the embedded CouchDB child to reopen its database after a failed write to disk (check the free space in DATA_DIR)');
    restarting = (async () => {
      if (delayMs > 0) await pause(delayMs);
      if (closing) return;
      lastReplacedAt = Date.now();
      // Its exit comes while `restarting` is set, so the exit handler takes it for no crash.
      await stopChild(failed);
      await relaunch(Number.POSITIVE_INFINITY, 'storage failure');
    })().finally(() => (restarting = undefined));
  };

  function watch(watched: ChildProcess) {
    // Neither the child nor its channel keeps this process alive by itself: the service's own
    // servers do, and a child whose parent exits stops on the closed channel.
    watched.unref();
    (watched.channel as { unref?(): void } | null | undefined)?.unref?.();
    watched.on('message', (message: ChildMessage) => {
      if (message?.kind === 'storage_failed') replace(watched, message.error);
    });
    watched.once('exit', (code, signal) => {
      // A replacement under way (see replace) stopped this child and launches the next itself.
      if (closing || watched !== child || restarting) return;
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0]) < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_CRASHES) {
        logger.error({ childPid: watched.pid, code, signal, crashes: crashes.length }, 'embedded CouchDB child keeps crashing; not restarting it');
        return;
      }
      logger.error({ childPid: watched.pid, code, signal }, `embedded CouchDB child ${describeExit(code, signal)} unexpectedly; restarting it`);
      restarting = relaunch(RESTART_ATTEMPTS, 'crash').finally(() => (restarting = undefined));
    });
  }
  watch(child);
  logger.info({ childPid: child.pid, url }, 'embedded CouchDB running in a child process');

  let closePromise: Promise<void> | undefined;
  return {
    url,
    get pid() {
      return child.pid as number;
    },
    close() {
      closePromise ??= (async () => {
        closing = true;
        clearTimeout(restartTimer);
        wakeRestart?.();
        // A restart in progress finishes its launch (and stops that child) before this returns.
        await restarting;
        await stopChild(child);
      })();
      return closePromise;
    },
  };
}
