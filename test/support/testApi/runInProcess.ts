import { runNode, SCRIPT } from './runNode';

/**
 * Calls the script's `run()` in a fresh process (without the CLI's process.exit) and reports
 * what still holds the event loop once it has settled, besides stdout/stderr. A closed socket's
 * handle goes a loop turn or two later, so it looks again for a few turns (no clock involved).
 */
export async function runInProcess(args: string[], cwd: string): Promise<{ outcome: unknown; resources: string[] }> {
  const harness = `
    require(${JSON.stringify(require.resolve('ts-node/register/transpile-only'))});
    const { run } = require(${JSON.stringify(SCRIPT)});
    const report = (outcome, turns = 0) => {
      const resources = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap' && r !== 'Immediate');
      if (resources.length && turns < 20) return setImmediate(() => report(outcome, turns + 1));
      process.stdout.write('\\nRESULT ' + JSON.stringify({ outcome, resources }) + '\\n');
      process.exit(0); // reported; whatever is left must not keep the test waiting
    };
    run(${JSON.stringify(args)}, {}).then(report, (err) => report(err.exitCode ?? String(err)));`;
  const result = await runNode(['-e', harness], cwd);
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line; stderr: ${result.stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as { outcome: unknown; resources: string[] };
}
