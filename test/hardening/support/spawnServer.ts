/**
 * Runs the real entry point (src/server.ts) as a child process, the way an operator starts it,
 * so tests can send it signals and watch it exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One JSON log line of the service. */
type LogLine = { msg?: string; level?: number; [key: string]: unknown };

export interface ServerProcess {
  child: ChildProcess;
  httpUrl: string;
  wsUrl: string;
  httpPort: number;
  wsPort: number;
  dataDir: string;
  /** Every JSON log line printed so far. */
  logs(): LogLine[];
  stderr(): string;
  exited: Promise<Exit>;
  /** Kills the process if it is still running and removes a data folder this helper made. */
  cleanup(): Promise<void>;
}


/** Starts `node -r ts-node/register/transpile-only src/server.ts` with `env` on top of a clean base. */
export function startProcess(env: Record<string, string>): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<Exit> } {
  const base: Record<string, string> = {};
  // Only what node needs from the parent; never a stray GEMINI_API_KEY or WS_AUTH_TOKEN.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS']) {
    if (process.env[name] !== undefined) base[name] = process.env[name];
  }
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...base, ENGINE: 'local', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function parseLogs(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        return {};
      }
    });
}

/** The port of `url` (`http://127.0.0.1:4000` → 4000). */
const portOf = (url: unknown): number => Number(new URL(String(url)).port);

/**
 * Starts the service and resolves once it logs that it is ready. Unless `env` names them, it
 * listens on ports the system picks (0) and the ready line says which: a port found free
 * beforehand could be taken by another test before the service binds it.
 */
export async function spawnServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const ownDataDir = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-proc-'));
  const proc = startProcess({ HTTP_PORT: '0', WS_PORT: '0', DATA_DIR: dataDir, ...env });
  const logs = () => parseLogs(proc.stdout());

  const ready = await new Promise<LogLine>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = logs().find((l) => l.msg === 'SnatchShot Cloud API ready');
      if (line) {
        clearInterval(timer);
        resolve(line);
      }
    }, 25);
    void proc.exited.then((exit) => {
      clearInterval(timer);
      reject(new Error(`server exited before it was ready (${JSON.stringify(exit)}): ${proc.stderr()}`));
    });
  });
  const httpPort = portOf(ready.http);
  const wsPort = portOf(ready.websocket);

  return {
    child: proc.child,
    httpPort,
    wsPort,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    dataDir,
    logs,
    stderr: proc.stderr,
    exited: proc.exited,
    async cleanup() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
