/**
 * Runs node in a child process, as a user runs test-api.ts, with an environment that picks none
 * of its servers.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
/** test-api.ts at the repository root. */
export const SCRIPT = path.join(ROOT, 'test-api.ts');

/** What a finished child process said and how it exited. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment the script runs with: ours, without anything that would pick its servers. */
function scriptEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
  for (const name of ['API_URL', 'WS_URL', 'WS_AUTH_TOKEN', 'HTTP_PORT', 'WS_PORT', 'HOST', 'TIMEOUT_SECONDS']) delete env[name];
  return env;
}

/**
 * `node <args>` in `cwd`; resolves once it has exited. With `killAfterMs`, a child still running
 * then is SIGKILLed (code null), so a test of a hang fails instead of leaving a process behind.
 */
export function runNode(args: string[], cwd: string, options: { killAfterMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: scriptEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.once('close', () => clearTimeout(killer));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
