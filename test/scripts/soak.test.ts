/**
 * scripts/soak.ts, run as a user runs it (`npm run soak -- …`), in its own process.
 */
import path from 'node:path';
import { runNode } from '../support/testApi/runNode';

const ROOT = path.resolve(__dirname, '../..');
const soak = (args: string[]) =>
  runNode(['-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'scripts/soak.ts'), ...args], ROOT, { killAfterMs: 180_000 });

describe('npm run soak', () => {
  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--requests', 'many'], '--requests must be a positive whole number'],
    [['--rounds', '0'], '--rounds must be a positive whole number'],
    [['--generate', '4000'], '--generate takes WIDTHxHEIGHT'],
  ])('refuses %j with its reason, the usage and exit 2, starting nothing', async (args, reason) => {
    const run = await soak(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`soak: ${reason}`);
    expect(run.stderr).toContain('usage: npm run soak');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('starts the service on ports it picked itself, soaks it and reports every request answered', async () => {
    const run = await soak(['--requests', '3', '--concurrency', '2', '--image-count', '1', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { requests: number; statuses: Record<string, number>; errors: string[] };
    expect(report).toMatchObject({ requests: 3, statuses: { 200: 3 }, errors: [] });
  }, 200_000);
});
