/**
 * The runtime an operator starts the service with — environment variables and Node flags —
 * read from package.json's `start:prod` script, so the benchmark measures exactly that and the
 * two never drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface NodeRuntime {
  /** `plain`: bare `node`, nothing set (the "before" of the memory figures); `production`: `start:prod`'s. */
  name: 'plain' | 'production';
  env: Record<string, string>;
  /** Node and V8 flags placed before the script. */
  execArgv: string[];
}

export const PLAIN_RUNTIME: NodeRuntime = { name: 'plain', env: {}, execArgv: [] };

/**
 * Parses `exec env NAME=value … node --flag … <script>` out of `start:prod`. `exec` makes node
 * npm's own child, so the SIGTERM npm passes on reaches the service instead of ending a shell
 * and leaving the service running as an orphan.
 * Throws when the script has another shape, so a change to it cannot go unmeasured silently.
 */
export function parseStartScript(script: string): NodeRuntime {
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  if (words[0] !== 'exec' || words[1] !== 'env') throw new Error(`start:prod should be "exec env [NAME=value …] node [--flag …] <script>", got "${script}"`);
  let i = 2;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) {
    const [name, ...value] = words[i].split('=');
    env[name] = value.join('=');
  }
  if (words[i] !== 'node') throw new Error(`start:prod should be "exec env [NAME=value …] node [--flag …] <script>", got "${script}"`);
  const execArgv: string[] = [];
  for (i += 1; i < words.length && words[i].startsWith('-'); i++) execArgv.push(words[i]);
  if (i !== words.length - 1) throw new Error(`start:prod should end with the script after the Node flags, got "${script}"`);
  return { name: 'production', env, execArgv };
}

/** The `start:prod` runtime of the repository at `repoRoot`. */
export function readProductionRuntime(repoRoot: string): NodeRuntime {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.['start:prod'];
  if (!script) throw new Error('package.json has no start:prod script');
  return parseStartScript(script);
}
