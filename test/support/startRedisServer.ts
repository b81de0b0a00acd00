/**
 * A real `redis-server` for a test (installed by scripts/setup-tests.sh): its own process on a
 * free loopback port, nothing saved to disk, stopped by the test. It can be killed and started
 * again on the same port, as an outage the service must ride out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort';
import { waitForExit } from './processes';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** SIGKILL, as a crash: clients see their connections drop. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connected, but answering nothing (a stalled server). */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port (after `kill`). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_PATH ?? 'redis-server';

/**
 * Starts redis-server (on `options.port`, else a free one; requiring `options.password` if
 * given); rejects with what it printed if it does not come up.
 */
export async function startRedisServer(options: { port?: number; password?: string } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // A free port can be taken between the check and the bind: try another.
  for (let attempt = 1; !child; attempt += 1) {
    port = options.port ?? (await freePort());
    try {
      child = await launch(port, dir, options.password);
    } catch (err) {
      if (attempt >= 3 || options.port !== undefined || !/already in use/i.test((err as Error).message)) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let running: ChildProcess | undefined = child;
  const killNow = () => running?.kill('SIGKILL');
  process.once('exit', killNow);

  const kill = async () => {
    const pid = running?.pid;
    running?.kill('SIGKILL');
    running = undefined;
    if (pid !== undefined) await waitForExit(pid);
  };
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    pause: () => running?.kill('SIGSTOP'),
    resume: () => running?.kill('SIGCONT'),
    async restart() {
      if (running) throw new Error('redis-server is running');
      running = await launch(port, dir, options.password);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      process.removeListener('exit', killNow);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function launch(port: number, dir: string, password?: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (password) args.push('--requirepass', password);
  const child = spawn(BINARY, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err) => fail(new Error(`could not run ${BINARY} (run scripts/setup-tests.sh): ${err.message}`)));
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}:\n${output}`)));
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.off('data', read);
      // Keep draining its output so a full pipe never blocks it.
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(child);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}
