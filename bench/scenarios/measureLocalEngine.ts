/**
 * Scenarios 3b and 4 — the service as `npm run start:prod` runs it (local engine, embedded
 * CouchDB): RSS at rest, the extra RSS of concurrent large uploads, and request throughput and
 * latency for a 12 MP JPEG at several concurrencies.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from '../BenchContext';
import type { BenchOptions } from '../BenchOptions';
import type { Worker } from '../ipc/forkWorker';
import type { HttpLoadResult } from '../load/runHttpLoad';
import { COUCH_DATA_DIR_ENV } from '../processes/processEnv';
import type { NodeRuntime } from '../readProductionRuntime';
import type { MemorySnapshot, ServerInfo } from '../processes/serverProcess';
import { figure, type Figure } from '../report/BenchResults';
import { percentile, round } from '../stats';

const MB = 1024 * 1024;

/** One way of running the service whose memory is measured. */
interface MemoryVariant {
  /** Appended to the figure ids. */
  idSuffix: string;
  /** Appended to the labels. */
  labelSuffix: string;
  /** Where the database runs, for the conditions. */
  where: string;
  runtime: NodeRuntime['name'];
  /** Only the configuration an operator runs carries the targets; the others are the "before". */
  hasTargets: boolean;
}

/**
 * Memory at rest and per request, and throughput per concurrency. Each memory figure comes in
 * two runtimes measured in this same run: bare `node` with the database inside the service
 * process (before) and `start:prod`'s runtime with the embedded database in its own process
 * (after) — and the same pair with an external CouchDB.
 */
export async function measureLocalEngine(ctx: BenchContext): Promise<Figure[]> {
  const { concurrentUploads } = ctx.options.memory;
  const maxConcurrency = Math.max(concurrentUploads, ...ctx.options.throughput.map((t) => t.concurrency));
  const env = { ENGINE: 'local', MAX_CONCURRENT_REQUESTS: String(maxConcurrency) };
  const prod = describeRuntime(ctx.productionRuntime);
  const figures: Figure[] = [];

  const server = await ctx.startServer('local', env);
  try {
    figures.push(...(await measureMemory(ctx, server, { idSuffix: '', labelSuffix: '', where: `embedded CouchDB in its own process (the npm start default), ${prod}`, runtime: 'production', hasTargets: true })));
    figures.push(...(await measureThroughput(ctx, server, { levels: ctx.options.throughput, idSuffix: '', labelSuffix: '', where: `embedded CouchDB in its own process, ${prod}` })));
  } finally {
    await server.stop();
  }
  const before = await ctx.startServer('local-before', { ...env, EMBEDDED_DB: 'in-process' }, 'plain');
  try {
    const where = 'embedded CouchDB inside the service process, bare node (no flags)';
    figures.push(...(await measureMemory(ctx, before, { idSuffix: '_before', labelSuffix: ' — before: database in-process, bare node', where, runtime: 'plain', hasTargets: false })));
    // The memory fixes must not cost speed: the same requests one at a time, before the fixes.
    figures.push(...(await measureThroughput(ctx, before, { levels: ctx.options.throughput.slice(0, 1), idSuffix: '_before', labelSuffix: ' — before', where })));
  } finally {
    await before.stop();
  }

  // The same with the database in its own process, as with COUCHDB_URL in production.
  const couchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-bench-couch-'));
  try {
    const couch = await ctx.startProcess<{ url: string }>('couch', 'bench/processes/couchProcess.ts', { [COUCH_DATA_DIR_ENV]: couchDir });
    try {
      const variants: Array<MemoryVariant> = [
        { idSuffix: '_external_couch', labelSuffix: ', external CouchDB', where: `external CouchDB (COUCHDB_URL, another process), ${prod}`, runtime: 'production', hasTargets: true },
        { idSuffix: '_external_couch_before', labelSuffix: ', external CouchDB — before: bare node', where: 'external CouchDB (COUCHDB_URL, another process), bare node (no flags)', runtime: 'plain', hasTargets: false },
      ];
      for (const variant of variants) {
        const external = await ctx.startServer(`local-external-couch-${variant.runtime}`, { ...env, COUCHDB_URL: couch.info.url }, variant.runtime);
        try {
          figures.push(...(await measureMemory(ctx, external, variant)));
        } finally {
          await external.stop();
        }
      }
    } finally {
      await couch.stop();
    }
  } finally {
    fs.rmSync(couchDir, { recursive: true, force: true });
  }
  return figures;
}

/** RSS at rest, then the peak of one wave of simultaneous large uploads. */
async function measureMemory(ctx: BenchContext, server: Worker<ServerInfo>, variant: MemoryVariant): Promise<Figure[]> {
  const { concurrentUploads } = ctx.options.memory;
  // File sizes in decimal MB (as file managers show them); memory in MiB-based MB (as ps and top do).
  const uploadMb = (ctx.photo.bytes / 1e6).toFixed(1);
  // At rest: started, nothing done yet, no forced GC — what an operator would see.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rest = await server.call<MemorySnapshot>('memory', {});
  // One request first: libvips, codecs, thread pools and JIT are paid once per process, not per request.
  const warmUp = await ctx.load.call<HttpLoadResult>('post', { url: server.info.httpUrl, photoPath: ctx.photo.path, requests: 1, concurrency: 1 }, 300_000);
  assertAllSucceeded(warmUp, 'memory warm-up');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const warm = await server.call<MemorySnapshot>('memory', {});
  ctx.progress(`memory (${variant.where}): ${concurrentUploads} concurrent ${uploadMb} MB uploads`);
  await server.call('startRssSampler', { intervalMs: 5 });
  const wave = await ctx.load.call<HttpLoadResult>('post', { url: server.info.httpUrl, photoPath: ctx.photo.path, requests: concurrentUploads, concurrency: concurrentUploads }, 300_000);
  const { peak, samples } = await server.call<{ peak: MemorySnapshot; samples: number }>('stopRssSampler');
  assertAllSucceeded(wave, 'memory wave');
  const target = <T>(value: T) => (variant.hasTargets ? value : undefined);
  const children = (m: MemorySnapshot) => (m.childrenRss ? `; its child processes (the database) ${round(m.childrenRss / MB)} MB more` : '');
  return [
    figure({
      id: `memory.rss_at_rest${variant.idSuffix}`,
      group: 'memory',
      label: `Server RSS at rest after start${variant.labelSuffix}`,
      value: round(rest.rss / MB),
      unit: 'MB',
      target: target({ op: '<', value: 80 }),
      conditions: `local engine, ${variant.where}, 2 s after ready; JS heap ${round(rest.heapUsed / MB)} MB${children(rest)}`,
    }),
    figure({
      id: `memory.rss_after_first_request${variant.idSuffix}`,
      group: 'memory',
      label: `Server RSS after its first request${variant.labelSuffix}`,
      value: round(warm.rss / MB),
      unit: 'MB',
      conditions: `one ${uploadMb} MB upload on the local engine, ${variant.where}, 1 s after it finished, no forced GC: what the process keeps (JS heap ${round(warm.heapUsed / MB)} MB, Buffers ${round(warm.arrayBuffers / MB)} MB; the rest is native — libvips, allocator arenas)${children(warm)}`,
    }),
    figure({
      id: `memory.rss_per_request${variant.idSuffix}`,
      group: 'memory',
      label: `Extra RSS per concurrent request, ${uploadMb} MB upload${variant.labelSuffix}`,
      value: round((peak.rss - warm.rss) / concurrentUploads / MB),
      unit: 'MB',
      target: target({ op: '<', value: 25 }),
      conditions: `(peak RSS − RSS before) ÷ ${concurrentUploads}: ${concurrentUploads} simultaneous uploads of a ${photoText(ctx)}, local engine, ${variant.where}, after one warm-up request (RSS before ${round(warm.rss / MB)} MB); peak ${round(peak.rss / MB)} MB (JS heap ${round(peak.heapUsed / MB)} MB, Buffers ${round(peak.arrayBuffers / MB)} MB) over ${samples} samples 5 ms apart`,
    }),
  ];
}

/** `MALLOC_ARENA_MAX=2 node --optimize-for-size`, for the conditions. */
function describeRuntime(runtime: NodeRuntime): string {
  const env = Object.entries(runtime.env).map(([name, value]) => `${name}=${value}`);
  return [...env, 'node', ...runtime.execArgv].join(' ') + ' (start:prod)';
}

/** Requests/s and latency percentiles at each concurrency level, one level after another. */
async function measureThroughput(
  ctx: BenchContext,
  server: Worker<ServerInfo>,
  variant: { levels: BenchOptions['throughput']; idSuffix: string; labelSuffix: string; where: string },
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const level of variant.levels) {
    ctx.progress(`throughput: ${level.requests} requests at concurrency ${level.concurrency}`);
    const run = await ctx.load.call<HttpLoadResult>('post', { url: server.info.httpUrl, photoPath: ctx.photo.path, requests: level.requests, concurrency: level.concurrency }, 300_000);
    assertAllSucceeded(run, `throughput c=${level.concurrency}`);
    const latencies = run.outcomes.map((o) => o.clientMs);
    const conditions = `${level.requests} requests of a ${photoText(ctx)}, ${level.concurrency} in flight, local engine, 4 images each, ${variant.where}`;
    const id = (name: string) => `throughput.${name}_c${level.concurrency}${variant.idSuffix}`;
    figures.push(
      figure({ id: id('rps'), group: 'throughput', label: `Local engine requests/s, concurrency ${level.concurrency}${variant.labelSuffix}`, value: round((run.outcomes.length / run.wallMs) * 1000), unit: 'req/s', conditions }),
      figure({ id: id('p50'), group: 'throughput', label: `Local engine latency p50, concurrency ${level.concurrency}${variant.labelSuffix}`, value: round(percentile(latencies, 50)), unit: 'ms', conditions }),
      figure({ id: id('p99'), group: 'throughput', label: `Local engine latency p99, concurrency ${level.concurrency}${variant.labelSuffix}`, value: round(percentile(latencies, 99)), unit: 'ms', conditions: `${conditions}; p99 of ${level.requests} samples is close to the maximum` }),
    );
  }
  return figures;
}

function photoText(ctx: BenchContext): string {
  return `${ctx.photo.width}×${ctx.photo.height} JPEG, ${(ctx.photo.bytes / 1e6).toFixed(1)} MB`;
}

function assertAllSucceeded(run: HttpLoadResult, what: string): void {
  const failed = run.outcomes.filter((o) => o.status !== 200);
  if (failed.length > 0) {
    throw new Error(`${what}: ${failed.length} of ${run.outcomes.length} requests failed (HTTP ${failed[0].status} ${failed[0].errorCode ?? ''})`);
  }
}
