import fs from 'node:fs';
import path from 'node:path';
import { parseStartScript, readProductionRuntime } from '../../bench/readProductionRuntime';

const repoRoot = path.resolve(__dirname, '..', '..');

describe('readProductionRuntime', () => {
  it("reads start:prod's environment and Node flags, which the benchmark then measures", () => {
    const runtime = readProductionRuntime(repoRoot);
    expect(runtime).toEqual({ name: 'production', env: { MALLOC_ARENA_MAX: '2' }, execArgv: ['--max-semi-space-size=1', '--liftoff-only'] });
  });

  it('npm start builds (only what changed), then runs exactly start:prod: the compiled service the benchmark measures', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`${scripts.build} && ${scripts['start:prod']}`);
  });

  it('npm run dev runs from source with the same environment and flags as start:prod', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const prod = parseStartScript(scripts['start:prod']);
    // npm run dev adds only the TypeScript loader in front of the source entry point.
    const dev = parseStartScript(scripts.dev.replace(' -r ts-node/register/transpile-only', ''));
    expect(dev.env).toEqual(prod.env);
    expect(dev.execArgv).toEqual(prod.execArgv);
  });

  it('parses variables, flags and the script, and refuses other shapes', () => {
    expect(parseStartScript('exec env A=1 B=x=y node --a --b=2 dist/s.js')).toEqual({ name: 'production', env: { A: '1', B: 'x=y' }, execArgv: ['--a', '--b=2'] });
    expect(parseStartScript('exec env node dist/s.js')).toEqual({ name: 'production', env: {}, execArgv: [] });
    expect(() => parseStartScript('exec env ts-node src/server.ts')).toThrow(/start:prod should be/);
    expect(() => parseStartScript('A=1 node dist/s.js')).toThrow(/start:prod should be "exec env/);
    expect(() => parseStartScript('exec env node --flag dist/a.js extra')).toThrow(/end with the script/);
  });
});
