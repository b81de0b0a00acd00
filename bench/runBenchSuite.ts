/**
 * Runs the benchmark suite: builds the processes' JavaScript, starts the load generator,
 * runs each scenario against its own freshly started service process, and collects every
 * figure. A scenario that fails is recorded and the others still run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './BenchContext';
import type { BenchOptions } from './BenchOptions';
import { buildForBench } from './buildForBench';
import { forkWorker, type Worker } from './ipc/forkWorker';
import { makeBenchPhoto } from './makeBenchPhoto';
import type { ServerInfo } from './processes/serverProcess';
import { fdLimitAdvice, readFdLimit } from './readFdLimit';
import { PLAIN_RUNTIME, readProductionRuntime } from './readProductionRuntime';
import type { BenchConditions, BenchResults, Figure } from './report/BenchResults';
import { measureEvents } from './scenarios/measureEvents';
import { measureLocalEngine } from './scenarios/measureLocalEngine';
import { measurePipeline } from './scenarios/measurePipeline';

export interface RunBenchArgs {
  options: BenchOptions;
  repoRoot: string;
  /** Scratch space: built JS, logs, data folders, the generated photo. */
  workDir?: string;
  progress?: (message: string) => void;
  /** Run only the scenarios with these names (`pipeline`, `events`, `local-engine`). */
  only?: string[];
}

/** File descriptors a process needs beyond its WebSocket clients. */
const FD_HEADROOM = 512;

const SCENARIOS: Array<{ name: string; run: (ctx: BenchContext) => Promise<Figure[]> }> = [
  { name: 'pipeline', run: measurePipeline },
  { name: 'events', run: measureEvents },
  { name: 'local-engine', run: measureLocalEngine },
];

export async function runBenchSuite(args: RunBenchArgs): Promise<BenchResults> {
  const started = performance.now();
  const progress = args.progress ?? (() => undefined);
  const workDir = args.workDir ?? path.join(args.repoRoot, 'bench', 'tmp');
  const logDir = path.join(workDir, 'logs');
  const dataRoot = path.join(workDir, 'data');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(dataRoot, { recursive: true });
  pruneOldFiles(logDir, 24 * 60 * 60 * 1000);

  const options = structuredClone(args.options);
  const conditions = describeConditions(options.mode);
  const limit = conditions.fdLimit;
  if (limit && limit.soft < options.events.manyClients + FD_HEADROOM) {
    const reduced = Math.max(options.events.clients, limit.soft - FD_HEADROOM);
    const note = `open-file limit ${limit.soft} is too low for ${options.events.manyClients} clients; measured ${reduced} instead — ${fdLimitAdvice(options.events.manyClients + FD_HEADROOM, limit)}`;
    progress(`WARNING: ${note}`);
    conditions.notes.push(note);
    options.events.manyClients = reduced;
    options.events.clients = Math.min(options.events.clients, reduced);
  }

  progress('building the benchmark processes');
  const build = buildForBench({ repoRoot: args.repoRoot, outDir: path.join(workDir, 'build') });
  const photo = await makeBenchPhoto({
    fixturePath: path.join(args.repoRoot, 'test', 'fixtures', 'chelsea.png'),
    dir: workDir,
    width: options.photo.width,
    height: options.photo.height,
  });
  const samplePhotoPath = path.join(args.repoRoot, 'ss.jpg');

  const runId = `${Date.now()}-${process.pid}`;
  const workers = new Set<Worker<unknown>>();
  const startProcess = async <Info>(name: string, relativeTsPath: string, env: Record<string, string> = {}, execArgv: string[] = []) => {
    const worker = await forkWorker<Info>({
      modulePath: build.resolve(relativeTsPath),
      env,
      execArgv,
      logFile: path.join(logDir, `${runId}-${name}.log`),
    });
    workers.add(worker);
    const stop = worker.stop.bind(worker);
    return Object.assign(worker, {
      stop: async () => {
        await stop();
        workers.delete(worker);
      },
    });
  };
  const productionRuntime = readProductionRuntime(args.repoRoot);
  const startServer: BenchContext['startServer'] = async (name, env = {}, runtimeName = 'production') => {
    const runtime = runtimeName === 'plain' ? PLAIN_RUNTIME : productionRuntime;
    const dataDir = fs.mkdtempSync(path.join(dataRoot, `${name}-`));
    const server = await startProcess<ServerInfo>(
      `server-${name}`,
      'bench/processes/serverProcess.ts',
      { HOST: '127.0.0.1', HTTP_PORT: '0', WS_PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir, ENGINE: 'local', ...runtime.env, ...env },
      [...runtime.execArgv, '--expose-gc'],
    );
    const stop = server.stop.bind(server);
    return Object.assign(server, {
      stop: async () => {
        await stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    });
  };

  const figures: Figure[] = [];
  const errors: BenchResults['errors'] = [];
  try {
    const load = await startProcess<{ pid: number }>('load', 'bench/processes/loadProcess.ts', {}, ['--max-old-space-size=4096']);
    const ctx: BenchContext = { options, load, startServer, startProcess, photo, samplePhotoPath, productionRuntime, progress };
    for (const scenario of SCENARIOS) {
      if (args.only && !args.only.includes(scenario.name)) continue;
      const t = performance.now();
      try {
        figures.push(...(await scenario.run(ctx)));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        progress(`scenario ${scenario.name} failed: ${error}`);
        errors.push({ scenario: scenario.name, error });
      }
      progress(`${scenario.name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    await Promise.all([...workers].map((w) => w.stop()));
  }
  return { schemaVersion: 1, conditions, figures, errors, durationMs: Math.round(performance.now() - started) };
}

/** Process logs are kept a day, for looking into a failed run, then dropped. */
function pruneOldFiles(dir: string, maxAgeMs: number): void {
  const cutoff = Date.now() - maxAgeMs;
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
  }
}

function describeConditions(mode: BenchOptions['mode']): BenchConditions {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / (1024 * 1024)),
    loadAverageAtStart: Math.round(os.loadavg()[0] * 100) / 100,
    fdLimit: readFdLimit(),
    mode,
    notes: [
      'Loopback only; the server, the load generator and the fake Gemini server are separate processes sharing the same cores.',
      'Other work on the machine (e.g. test suites) makes the figures noisy; compare runs on an idle machine.',
    ],
  };
}
