/**
 * Soak test (`npm run soak`, not part of `npm test`): starts the real service in its own child
 * process (transpiled to plain JavaScript, with `start:prod`'s environment and Node flags), sends N uploads with C in flight at once while a WebSocket client follows every
 * event, then reports the server's RSS before/after, latency percentiles, status counts and
 * errors. Exits non-zero on any unexpected status, transport error, missing or duplicate
 * terminal event, leftover running request, or unclean shutdown.
 *
 *   npm run soak -- [--requests 200] [--concurrency 20] [--photo ss.jpg | --generate 4000x3000]
 *                   [--image-count 4] [--rounds 1] [--json]
 *
 * With --rounds N the batch is sent N times and RSS is sampled after each: growth that keeps
 * going round after round is a leak; growth that flattens is warm-up (heap, caches, LevelDB).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { buildForBench } from '../bench/buildForBench';
import { readProductionRuntime } from '../bench/readProductionRuntime';

interface Options {
  requests: number;
  concurrency: number;
  photo: string;
  generate?: { width: number; height: number };
  imageCount: number;
  rounds: number;
  json: boolean;
}

const ROOT = path.resolve(__dirname, '..');
const USAGE = `usage: npm run soak -- [--requests 200] [--concurrency 20] [--photo ss.jpg | --generate 4000x3000]
                     [--image-count 4] [--rounds 1] [--json]`;

/** A bad command line: reported as its message and the usage, with exit 2. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const options: Options = { requests: 200, concurrency: 20, photo: path.join(ROOT, 'ss.jpg'), imageCount: 4, rounds: 1, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--requests': options.requests = Number(value()); break;
      case '--concurrency': options.concurrency = Number(value()); break;
      case '--photo': options.photo = path.resolve(value()); break;
      case '--image-count': options.imageCount = Number(value()); break;
      case '--rounds': options.rounds = Number(value()); break;
      case '--json': options.json = true; break;
      case '--generate': {
        const [w, h] = value().split('x').map(Number);
        options.generate = { width: w, height: h };
        break;
      }
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new UsageError(`unknown option ${argv[i]}`);
    }
  }
  for (const [flag, n] of [['--requests', options.requests], ['--concurrency', options.concurrency], ['--image-count', options.imageCount], ['--rounds', options.rounds]] as const) {
    if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`${flag} must be a positive whole number`);
  }
  if (options.generate && !(Number.isInteger(options.generate.width) && options.generate.width > 0 && Number.isInteger(options.generate.height) && options.generate.height > 0)) {
    throw new UsageError('--generate takes WIDTHxHEIGHT, e.g. 4000x3000');
  }
  return options;
}

/** The ports in the server's ready line (`{"msg":"SnatchShot Cloud API ready","http":"http://…:<port>",…}`), if `line` is it. */
function readyPorts(line: string): { httpPort: number; wsPort: number } | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; http?: string; websocket?: string };
    if (entry.msg !== 'SnatchShot Cloud API ready' || !entry.http || !entry.websocket) return undefined;
    return { httpPort: Number(new URL(entry.http).port), wsPort: Number(new URL(entry.websocket).port) };
  } catch {
    return undefined;
  }
}

/** Whether a server log line is worth showing when the run fails: warnings, errors, and anything not JSON. */
function worthShowing(line: string): boolean {
  try {
    return ((JSON.parse(line) as { level?: number }).level ?? 50) >= 40;
  } catch {
    return line.trim() !== '';
  }
}

/** Resident and peak memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 102.4) / 10, peakMb: Math.round(kb('VmHWM') / 102.4) / 10 };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const photo = options.generate
    ? await sharp(path.join(ROOT, 'ss.jpg')).resize(options.generate.width, options.generate.height, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer()
    : fs.readFileSync(options.photo);
  const meta = await sharp(photo).metadata();

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-soak-'));
  // Plain JavaScript with start:prod's environment and flags, as operators run it: through
  // ts-node the RSS figures would include the TypeScript compiler.
  const build = buildForBench({ repoRoot: ROOT });
  const runtime = readProductionRuntime(ROOT);
  const child = spawn(process.execPath, [...runtime.execArgv, build.resolve('src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...runtime.env, HOST: '127.0.0.1', HTTP_PORT: '0', WS_PORT: '0', DATA_DIR: dataDir, ENGINE: 'local', LOG_LEVEL: 'info', IMAGE_COUNT: String(options.imageCount), RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server picks free ports itself (0) and names them in its ready line: a port found free
  // here and handed over could be taken by another program first, and /health polled there.
  let serverOutput = '';
  let ports: { httpPort: number; wsPort: number } | undefined;
  let partial = '';
  child.stdout.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      ports ??= readyPorts(line);
      if (worthShowing(line)) serverOutput += `${line}\n`;
    }
  });
  child.stderr.on('data', (c: Buffer) => (serverOutput += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const errors: string[] = [];

  try {
    for (let tries = 0; !ports; tries += 1) {
      if (child.exitCode !== null) throw new Error(`server exited during start:\n${serverOutput}`);
      if (tries > 300) throw new Error(`server did not become ready in 30 s:\n${serverOutput}`);
      await sleep(100);
    }
    const { httpPort, wsPort } = ports;
    const base = `http://127.0.0.1:${httpPort}`;
    const before = memoryOf(child.pid as number);
    const health0 = (await (await fetch(`${base}/health`)).json()) as { requests: { max: number; maxQueue: number } };

    // One client follows every event, counting terminal events per request.
    const terminals = new Map<string, number>();
    let eventsReceived = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${wsPort}`);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      eventsReceived += 1;
      const event = JSON.parse((data as Buffer).toString()) as { type: string; requestId?: string };
      if (event.requestId && (event.type === 'processing_completed' || event.type === 'processing_error')) {
        terminals.set(event.requestId, (terminals.get(event.requestId) ?? 0) + 1);
      }
    });
    await opened;

    const latencies: number[] = [];
    const statuses = new Map<string, number>();
    const requestIds: string[] = [];
    let next = 0;
    let limit = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < limit) {
        next += 1;
        const form = new FormData();
        form.append('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'soak.jpg');
        const t0 = performance.now();
        try {
          const res = await fetch(`${base}/process-image`, { method: 'POST', body: form });
          const body = (await res.json()) as { requestId?: string; imagesGenerated?: number; error?: { code: string } };
          latencies.push(performance.now() - t0);
          const key = res.ok ? String(res.status) : `${res.status} ${body.error?.code ?? ''}`.trim();
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (res.status !== 200) errors.push(`unexpected ${key}`);
          else if (body.imagesGenerated !== options.imageCount) errors.push(`${body.requestId}: ${body.imagesGenerated} images`);
          if (body.requestId) requestIds.push(body.requestId);
        } catch (err) {
          statuses.set('transport error', (statuses.get('transport error') ?? 0) + 1);
          errors.push(`transport: ${describeTransportError(err)}`);
        }
      }
    };
    const perRound: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      limit += options.requests;
      await Promise.all(Array.from({ length: options.concurrency }, worker));
      perRound.push(memoryOf(child.pid as number).rssMb);
    }
    const wallMs = performance.now() - started;
    const after = memoryOf(child.pid as number);

    // Every request's terminal event must arrive exactly once.
    for (let waited = 0; waited < 100 && requestIds.some((id) => !terminals.has(id)); waited += 1) await sleep(100);
    for (const id of requestIds) {
      const count = terminals.get(id) ?? 0;
      if (count !== 1) errors.push(`${id}: ${count} terminal events`);
    }
    const health1 = (await (await fetch(`${base}/health`)).json()) as { status: string; requests: { running: number; queued: number } };
    if (health1.requests.running !== 0 || health1.requests.queued !== 0) errors.push(`requests left over: ${JSON.stringify(health1.requests)}`);
    if (health1.status !== 'ok') errors.push(`health is ${health1.status} after the run`);
    await sleep(3000);
    const settled = memoryOf(child.pid as number);
    ws.close();

    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) errors.push(`server exited ${code} on SIGTERM`);

    const sorted = [...latencies].sort((a, b) => a - b);
    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} CPU, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
      photo: `${options.generate ? 'generated' : path.basename(options.photo)} ${meta.width}×${meta.height}, ${Math.round(photo.length / 1024)} KB`,
      requests: options.requests * options.rounds,
      concurrency: options.concurrency,
      imageCount: options.imageCount,
      serverLimits: health0.requests,
      wallSeconds: Math.round(wallMs / 100) / 10,
      throughputPerSecond: Math.round((latencies.length / (wallMs / 1000)) * 10) / 10,
      latencyMs: { p50: Math.round(percentile(sorted, 50)), p90: Math.round(percentile(sorted, 90)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? NaN) },
      statuses: Object.fromEntries(statuses),
      eventsReceived,
      serverRssMb: { before: before.rssMb, after: after.rssMb, afterSettling3s: settled.rssMb, peak: settled.peakMb, afterEachRound: perRound },
      shutdownExitCode: code,
      errors,
    };
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`soak: ${report.requests} requests, ${report.concurrency} concurrent, ${report.photo}, IMAGE_COUNT=${report.imageCount} (${report.machine})`);
      console.log(`  server limits      ${report.serverLimits.max} running + ${report.serverLimits.maxQueue} queued`);
      console.log(`  wall time          ${report.wallSeconds} s (${report.throughputPerSecond} req/s)`);
      console.log(`  latency ms         p50 ${report.latencyMs.p50}  p90 ${report.latencyMs.p90}  p99 ${report.latencyMs.p99}  max ${report.latencyMs.max}`);
      console.log(`  statuses           ${JSON.stringify(report.statuses)}`);
      console.log(`  events received    ${report.eventsReceived}`);
      console.log(`  server RSS MB      before ${before.rssMb}  after ${after.rssMb}  after 3 s ${settled.rssMb}  peak ${settled.peakMb}`);
      if (options.rounds > 1) console.log(`  RSS after rounds   ${perRound.join('  ')}`);
      console.log(`  SIGTERM exit code  ${code}`);
      console.log(`  errors             ${errors.length === 0 ? 'none' : ''}`);
      for (const e of errors.slice(0, 20)) console.log(`    ${e}`);
    }
    return errors.length === 0 ? 0 : 1;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(`soak: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);

/** fetch's TypeError names the socket error only in its `cause`. */
function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} ${err.cause.message}` : err.message;
}
