import { runNode, SCRIPT, type RunResult } from './runNode';

/** `node -r ts-node/register/transpile-only test-api.ts …` in `cwd`. */
export function runScript(args: string[], cwd: string, options: { killAfterMs?: number } = {}): Promise<RunResult> {
  return runNode(['-r', require.resolve('ts-node/register/transpile-only'), SCRIPT, ...args], cwd, options);
}
