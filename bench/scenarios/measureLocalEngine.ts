/**
 * Scenarios 3b and 4 — the service as `npm start` runs it (local engine, embedded CouchDB):
 * RSS at rest, the extra RSS of concurrent large uploads, and request throughput and latency
 * for a 12 MP JPEG at several concurrencies.
 */
import type { BenchContext } from '../BenchContext';
import type { HttpLoadResult } from '../load/runHttpLoad';
import type { MemorySnapshot } from '../processes/serverProcess';
import { figure, type Figure } from '../report/BenchResults';
import { percentile, round } from '../stats';

const MB = 1024 * 1024;

export async function measureLocalEngine(ctx: BenchContext): Promise<Figure[]> {
  const { concurrentUploads } = ctx.options.memory;
  const maxConcurrency = Math.max(concurrentUploads, ...ctx.options.throughput.map((t) => t.concurrency));
  const server = await ctx.startServer('local', { ENGINE: 'local', MAX_CONCURRENT_REQUESTS: String(maxConcurrency) });
  const photo = `${ctx.photo.width}×${ctx.photo.height} JPEG, ${(ctx.photo.bytes / MB).toFixed(1)} MB`;
  const figures: Figure[] = [];
  try {
    // At rest: started, nothing done yet, no forced GC — what an operator would see.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rest = await server.call<MemorySnapshot>('memory', {});
    figures.push(
      figure({
        id: 'memory.rss_at_rest',
        group: 'memory',
        label: 'Server RSS at rest after start',
        value: round(rest.rss / MB),
        unit: 'MB',
        target: { op: '<', value: 80 },
        conditions: `local engine, embedded CouchDB, 2 s after ready; JS heap ${round(rest.heapUsed / MB)} MB`,
      }),
    );

    ctx.progress(`memory: ${concurrentUploads} concurrent ${(ctx.photo.bytes / MB).toFixed(1)} MB uploads`);
    await server.call('startRssSampler', { intervalMs: 5 });
    const wave = await ctx.load.call<HttpLoadResult>('post', { url: server.info.httpUrl, photoPath: ctx.photo.path, requests: concurrentUploads, concurrency: concurrentUploads }, 300_000);
    const peak = await server.call<{ maxRss: number; samples: number }>('stopRssSampler');
    assertAllSucceeded(wave, 'memory wave');
    figures.push(
      figure({
        id: 'memory.rss_per_request',
        group: 'memory',
        label: `Extra RSS per concurrent request, ${(ctx.photo.bytes / MB).toFixed(1)} MB upload`,
        value: round((peak.maxRss - rest.rss) / concurrentUploads / MB),
        unit: 'MB',
        target: { op: '<', value: 25 },
        conditions: `(peak RSS − RSS at rest) ÷ ${concurrentUploads}, ${concurrentUploads} simultaneous uploads of a ${photo}, local engine, first requests after start; peak ${round(peak.maxRss / MB)} MB over ${peak.samples} samples`,
      }),
    );

    for (const level of ctx.options.throughput) {
      ctx.progress(`throughput: ${level.requests} requests at concurrency ${level.concurrency}`);
      const run = await ctx.load.call<HttpLoadResult>('post', { url: server.info.httpUrl, photoPath: ctx.photo.path, requests: level.requests, concurrency: level.concurrency }, 300_000);
      assertAllSucceeded(run, `throughput c=${level.concurrency}`);
      const latencies = run.outcomes.map((o) => o.clientMs);
      const conditions = `${level.requests} requests of a ${photo}, ${level.concurrency} in flight, local engine, 4 images each`;
      figures.push(
        figure({ id: `throughput.rps_c${level.concurrency}`, group: 'throughput', label: `Local engine requests/s, concurrency ${level.concurrency}`, value: round((run.outcomes.length / run.wallMs) * 1000), unit: 'req/s', conditions }),
        figure({ id: `throughput.p50_c${level.concurrency}`, group: 'throughput', label: `Local engine latency p50, concurrency ${level.concurrency}`, value: round(percentile(latencies, 50)), unit: 'ms', conditions }),
        figure({ id: `throughput.p99_c${level.concurrency}`, group: 'throughput', label: `Local engine latency p99, concurrency ${level.concurrency}`, value: round(percentile(latencies, 99)), unit: 'ms', conditions: `${conditions}; p99 of ${level.requests} samples is close to the maximum` }),
      );
    }
    return figures;
  } finally {
    await server.stop();
  }
}

function assertAllSucceeded(run: HttpLoadResult, what: string): void {
  const failed = run.outcomes.filter((o) => o.status !== 200);
  if (failed.length > 0) {
    throw new Error(`${what}: ${failed.length} of ${run.outcomes.length} requests failed (HTTP ${failed[0].status} ${failed[0].errorCode ?? ''})`);
  }
}
