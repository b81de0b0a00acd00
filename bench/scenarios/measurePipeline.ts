/**
 * Scenario 1 — the pipeline's critical path on the gemini engine against the fake Gemini
 * server (its own process) with scripted latencies. Ideal time = max(analysis) + max(image):
 * the two agents overlap, then all images overlap. Serial = one upstream call at a time
 * (GEMINI_MAX_CONCURRENCY=1), what the seed's 45–60 s for four images implies.
 */
import type { BenchContext } from '../BenchContext';
import type { HttpLoadResult, RequestOutcome } from '../load/runHttpLoad';
import type { FakeGeminiInfo } from '../processes/fakeGeminiProcess';
import { FAKE_GEMINI_SCRIPT_ENV } from '../processes/processEnv';
import { figure, type Figure } from '../report/BenchResults';
import { max, median, round } from '../stats';

/** Critical-path ratio, serial run and speed-up; starts and stops its own fake Gemini and servers. */
export async function measurePipeline(ctx: BenchContext): Promise<Figure[]> {
  const { textMs, imageMs, parallelRuns, serialRuns, with12mp } = ctx.options.pipeline;
  const idealMs = textMs + max(imageMs);
  const serialIdealMs = 2 * textMs + imageMs.reduce((a, b) => a + b, 0);
  const fake = await ctx.startProcess<FakeGeminiInfo>('fake-gemini', 'bench/processes/fakeGeminiProcess.ts', {
    [FAKE_GEMINI_SCRIPT_ENV]: JSON.stringify({ textMs, imageMs }),
  });
  const geminiEnv = (concurrency: number) => ({
    ENGINE: 'gemini',
    GEMINI_API_KEY: fake.info.apiKey,
    GEMINI_BASE_URL: fake.info.url,
    GEMINI_MAX_CONCURRENCY: String(concurrency),
    IMAGE_COUNT: String(imageMs.length),
  });
  const script = `fake Gemini: analysis ${textMs} ms, images ${imageMs.join('/')} ms`;
  const figures: Figure[] = [];
  try {
    const parallel = await ctx.startServer('gemini-parallel', geminiEnv(8));
    let sample: RequestOutcome[];
    let large: RequestOutcome[] = [];
    try {
      ctx.progress(`pipeline: ${parallelRuns} parallel runs (+1 warm-up)`);
      await runSequential(ctx, parallel.info.httpUrl, ctx.samplePhotoPath, 1);
      sample = await runSequential(ctx, parallel.info.httpUrl, ctx.samplePhotoPath, parallelRuns);
      if (with12mp) large = await runSequential(ctx, parallel.info.httpUrl, ctx.photo.path, parallelRuns);
    } finally {
      await parallel.stop();
    }

    const serialServer = await ctx.startServer('gemini-serial', geminiEnv(1));
    let serial: RequestOutcome[];
    try {
      ctx.progress(`pipeline: ${serialRuns} serial runs (GEMINI_MAX_CONCURRENCY=1)`);
      serial = await runSequential(ctx, serialServer.info.httpUrl, ctx.samplePhotoPath, serialRuns);
    } finally {
      await serialServer.stop();
    }

    const p50 = median(sample.map((o) => o.clientMs));
    const conditions = `p50 of ${sample.length} runs, sample photo (451×300 JPEG), ${script}, client-observed`;
    figures.push(
      figure({ id: 'pipeline.total_ms', group: 'pipeline', label: 'Request time, 4 images (gemini engine)', value: round(p50), unit: 'ms', conditions: `${conditions}; ideal ${idealMs} ms` }),
      figure({ id: 'pipeline.critical_path_ratio', group: 'pipeline', label: 'Request time ÷ ideal max(analysis)+max(image)', value: round(p50 / idealMs), unit: '×', target: { op: '<=', value: 1.05 }, conditions }),
      figure({
        id: 'pipeline.orchestration_ratio',
        group: 'pipeline',
        label: 'Server time ÷ measured max(agent)+max(image)',
        value: round(median(sample.map(orchestrationRatio))),
        unit: '×',
        conditions: 'p50; the stage durations the server itself measured, so upstream/fake overhead is excluded',
      }),
    );
    const serialP50 = median(serial.map((o) => o.clientMs));
    figures.push(
      figure({ id: 'pipeline.serial_ms', group: 'pipeline', label: 'Request time, serial upstream calls', value: round(serialP50), unit: 'ms', conditions: `p50 of ${serial.length} runs, GEMINI_MAX_CONCURRENCY=1; serial ideal ${serialIdealMs} ms` }),
      figure({ id: 'pipeline.speedup_vs_serial', group: 'pipeline', label: 'Speed-up versus serial', value: round(serialP50 / p50), unit: '×', target: { op: '>=', value: 3 }, conditions: 'p50 serial ÷ p50 parallel, same photo and script' }),
    );
    if (large.length > 0) {
      const largeP50 = median(large.map((o) => o.clientMs));
      figures.push(
        figure({
          id: 'pipeline.critical_path_ratio_12mp',
          group: 'pipeline',
          label: 'Request time ÷ ideal, 12 MP upload',
          value: round(largeP50 / idealMs),
          unit: '×',
          conditions: `p50 of ${large.length} runs, ${ctx.photo.width}×${ctx.photo.height} JPEG (${(ctx.photo.bytes / 1e6).toFixed(1)} MB): includes the upload, validation, the downscale sent upstream and storing the original in the embedded CouchDB alongside`,
        }),
      );
    }
    return figures;
  } finally {
    await fake.stop();
  }
}

/** Runs `runs` requests one after another; every one must succeed with all images. */
async function runSequential(ctx: BenchContext, url: string, photoPath: string, runs: number): Promise<RequestOutcome[]> {
  const result = await ctx.load.call<HttpLoadResult>('post', { url, photoPath, requests: runs, concurrency: 1 }, 300_000);
  for (const o of result.outcomes) {
    if (o.status !== 200 || o.imagesGenerated !== ctx.options.pipeline.imageMs.length) {
      throw new Error(`pipeline run failed: HTTP ${o.status} ${o.errorCode ?? ''}, ${o.imagesGenerated ?? 0} images`);
    }
  }
  return result.outcomes;
}

/** Server total ÷ (slower agent + slowest image), from the response's own timings. */
function orchestrationRatio(o: RequestOutcome): number {
  const t = o.timings ?? {};
  const agents = Math.max(t.content_analysis ?? Number.NaN, t.photo_analysis ?? Number.NaN);
  return (o.serverMs ?? Number.NaN) / (agents + max(o.imageMs ?? []));
}
