/**
 * Transpiles the TypeScript the benchmark processes run (src/, bench/, test/support/) to plain
 * CommonJS under bench/tmp/build/, so the server and load processes run on bare `node`:
 * ts-node would load the TypeScript compiler into the measured process and inflate its RSS.
 * Type-checking is `npx tsc --noEmit -p .`'s job; this only strips types (a few seconds).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Folders transpiled, relative to the repository root. */
const SOURCE_DIRS = ['src', 'bench', 'test/support'];
/** Files copied as they are, so the built service finds its version and test page. */
const COPIED_FILES = ['package.json', 'websocket-test.html'];

export interface BenchBuild {
  /** Root of the built tree; mirrors the repository layout (`<outDir>/bench/processes/…js`). */
  outDir: string;
  /** Absolute path of a built module, from its repository-relative `.ts` path. */
  resolve(relativeTsPath: string): string;
  /** Files written this time (unchanged ones are skipped). */
  written: number;
}

/**
 * Transpiles every `.ts` file whose output is missing or older than its source.
 * The output lives inside the repository (bench/tmp is git-ignored) so that `require('ws')`
 * from the built files still finds the project's node_modules.
 */
export function buildForBench(options: { repoRoot: string; outDir?: string }): BenchBuild {
  const { repoRoot } = options;
  const outDir = options.outDir ?? path.join(repoRoot, 'bench', 'tmp', 'build');
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    resolveJsonModule: true,
    sourceMap: false,
  };
  let written = 0;
  for (const dir of SOURCE_DIRS) {
    for (const file of listTs(path.join(repoRoot, dir), path.join(repoRoot, 'bench', 'tmp'))) {
      const target = path.join(outDir, path.relative(repoRoot, file)).replace(/\.ts$/, '.js');
      if (isFresh(target, file)) continue;
      const output = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, output.outputText);
      written += 1;
    }
  }
  for (const name of COPIED_FILES) {
    const source = path.join(repoRoot, name);
    const target = path.join(outDir, name);
    if (fs.existsSync(source) && !isFresh(target, source)) {
      fs.mkdirSync(outDir, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
  return {
    outDir,
    written,
    resolve: (relativeTsPath) => path.join(outDir, relativeTsPath.replace(/\.ts$/, '.js')),
  };
}

/** `.ts` files (not `.d.ts`) under `dir`, skipping `exclude`. */
function listTs(dir: string, exclude: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (full === exclude) continue;
    if (entry.isDirectory()) found.push(...listTs(full, exclude));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

function isFresh(target: string, source: string): boolean {
  try {
    return fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs;
  } catch {
    return false;
  }
}
