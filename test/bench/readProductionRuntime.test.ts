import fs from 'node:fs';
import path from 'node:path';
import { parseStartScript, readProductionRuntime } from '../../bench/readProductionRuntime';

const repoRoot = path.resolve(__dirname, '..', '..');

describe('readProductionRuntime', () => {
  it("reads start:prod's environment and Node flags, which the benchmark then measures", () => {
    const runtime = readProductionRuntime(repoRoot);
    expect(runtime).toEqual({ name: 'production', env: { MALLOC_ARENA_MAX: '2' }, execArgv: ['--max-semi-space-size=1', '--liftoff-only'] });
  });

  it('npm start runs with the same environment and flags as start:prod', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const prod = parseStartScript(scripts['start:prod']);
    // npm start adds only the TypeScript loader in front of the source entry point.
    const dev = parseStartScript(scripts.start.replace(' -r ts-node/register/transpile-only', ''));
    expect(dev.env).toEqual(prod.env);
    expect(dev.execArgv).toEqual(prod.execArgv);
  });

  it('parses variables, flags and the script, and refuses other shapes', () => {
    expect(parseStartScript('A=1 B=x=y node --a --b=2 dist/s.js')).toEqual({ name: 'production', env: { A: '1', B: 'x=y' }, execArgv: ['--a', '--b=2'] });
    expect(parseStartScript('node dist/s.js')).toEqual({ name: 'production', env: {}, execArgv: [] });
    expect(() => parseStartScript('ts-node src/server.ts')).toThrow(/start:prod should be/);
    expect(() => parseStartScript('node --flag dist/a.js extra')).toThrow(/end with the script/);
  });
});
