/**
 * `npm run bench`: runs the suite, prints the table, and writes bench/results.json,
 * docs/benchmarks.md (the table between its markers) and docs/bench-chart.png.
 * Flags: `--quick` (the harness self-test, numbers meaningless), `--out <dir>` (write the
 * results there instead of the repository; the docs are then left alone), `--only <names>`
 * (comma-separated scenarios: pipeline, events, local-engine; needs `--out`).
 */
import path from 'node:path';
import { FULL_BENCH, QUICK_BENCH } from './BenchOptions';
import { formatTable } from './report/formatTable';
import { writeBenchOutputs } from './report/writeBenchOutputs';
import { runBenchSuite } from './runBenchSuite';

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 ? path.resolve(argv[outIndex + 1] ?? '') : undefined;
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) : undefined;
  if (only && !outDir) {
    console.error('--only writes a partial result: give --out <dir> too, so the published results stay whole');
    return 2;
  }
  const repoRoot = path.resolve(__dirname, '..');
  const started = Date.now();
  const log = (message: string) => console.log(`[bench +${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

  const results = await runBenchSuite({ options: quick ? QUICK_BENCH : FULL_BENCH, repoRoot, progress: log, only });
  const written = await writeBenchOutputs(results, { repoRoot, outDir });
  console.log(`\n${formatTable(results.figures)}\n`);
  for (const e of results.errors) console.log(`scenario "${e.scenario}" failed: ${e.error}`);
  const missed = results.figures.filter((f) => f.ok === false).length;
  console.log(`${results.figures.length} figures, ${missed} target(s) missed, ${results.errors.length} scenario error(s), ${(results.durationMs / 1000).toFixed(1)} s`);
  console.log(`node ${results.conditions.node}, ${results.conditions.cpus} CPUs (${results.conditions.cpuModel}), load ${results.conditions.loadAverageAtStart} at start`);
  console.log(`wrote ${written.join(', ')}`);
  // Missed targets are findings, not failures of the run; a scenario that could not run is.
  return results.errors.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
