import { AppError } from '../../src/errors/AppError';
import { createEventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import type { ImageEngine } from '../../src/engine/ImageEngine';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createPipeline } from '../../src/pipeline/createPipeline';
import { inspectPhoto } from '../../src/domain/inspectPhoto';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { realPhotoJpeg } from '../support/images';
import { localEngineWith } from '../support/localEngineWith';
import { startStoreTarget, type StoreTarget } from '../store/support/storeTarget';
import { storedBytes } from '../store/support/storedBytes';

const logger = createLogger({ level: 'silent' });

/** The real local engine, except that image generation waits until the request is aborted. */
function engineWhoseImagesWaitForAbort(): ImageEngine {
  return localEngineWith(() => ({
    generateImage: (_photo, _suggestion, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      }),
  }));
}

describe('createPipeline', () => {
  it('fails with the abort reason when the shutdown deadline stops a running request', async () => {
    const bus = createEventBus({ logger, validate: true });
    const events: PipelineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const engine = engineWhoseImagesWaitForAbort();
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const shutdown = new AbortController();
    const running = pipeline.process({ requestId: 'req_1758260128188_abcdefghi', upload: await realPhotoJpeg(), signal: shutdown.signal });
    await waitUntil(() => events.some((e) => e.type === 'individual_image_started'));
    shutdown.abort(new AppError('SHUTTING_DOWN', 'The server is shutting down; the request was stopped', { headers: { 'Retry-After': '5' } }));

    await expect(running).rejects.toMatchObject({ code: 'SHUTTING_DOWN', status: 503, headers: { 'Retry-After': '5' } });
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', code: 'SHUTTING_DOWN', stage: 'image_generation' });
    await engine.close();
    await bus.close();
  });

  it('reports a request as in flight from before its first event until it has settled', async () => {
    const bus = createEventBus({ logger, validate: true });
    const engine = engineWhoseImagesWaitForAbort();
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_inflightx';
    const seenAtStart: unknown[] = [];
    bus.subscribe((e) => {
      if (e.type === 'processing_started') seenAtStart.push(pipeline.inFlight(e.requestId));
    });
    const stop = new AbortController();
    const running = pipeline.process({ requestId, upload: await realPhotoJpeg(), signal: stop.signal });
    await waitUntil(() => seenAtStart.length === 1);
    expect(seenAtStart[0]).toEqual({ requestId, engine: 'local', createdAt: expect.any(String) });
    expect(pipeline.inFlight('req_1758260128188_otherxxxx')).toBeUndefined();
    stop.abort(new AppError('CLIENT_CLOSED', 'The client closed the connection'));
    await running.catch(() => undefined);
    expect(pipeline.inFlight(requestId)).toBeUndefined();
    await engine.close();
    await bus.close();
  });

  it('fails the stage whose event cannot be published, naming it, and stops the other agent', async () => {
    const bus = createEventBus({ logger, validate: true });
    const events: PipelineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    let photoAnalysisStopped = false;
    const engine = localEngineWith(() => ({
      // Not valid settings: the bus refuses the event that would carry them.
      recommendSettings: async () => ({}) as Awaited<ReturnType<ImageEngine['recommendSettings']>>,
      analyzePhoto: (_photo, _count, options) =>
        new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => {
            photoAnalysisStopped = true;
            reject(new Error('aborted'));
          });
        }),
    }));
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const err = (await pipeline.process({ requestId: 'req_1758260128188_badevent1', upload: await realPhotoJpeg() }).catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'ANALYSIS_FAILED', status: 502 });
    expect(err.message).toMatch(/^Camera settings analysis failed: /);
    expect(photoAnalysisStopped).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'content_analysis' });
    await engine.close();
    await bus.close();
  });

  it('reports a request that outlives REQUEST_TIMEOUT_MS as a 504 REQUEST_TIMEOUT at the stage it reached', async () => {
    const bus = createEventBus({ logger, validate: true });
    const events: PipelineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    // Both analyses wait until the deadline stops them, so the real timer is the only way out
    // and nothing has to finish before it (a loaded machine cannot make it flaky).
    const waitForAbort = (signal?: AbortSignal) =>
      new Promise<never>((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    const engine = localEngineWith(() => ({
      recommendSettings: (_photo, options) => waitForAbort(options?.signal),
      analyzePhoto: (_photo, _count, options) => waitForAbort(options?.signal),
    }));
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 300 });
    await expect(pipeline.process({ requestId: 'req_1758260128188_abcdefghj', upload: await realPhotoJpeg() })).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      status: 504,
      message: 'The request took longer than REQUEST_TIMEOUT_MS (300 ms) and was stopped',
    });
    expect(events.some((e) => e.type === 'individual_image_started')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', code: 'REQUEST_TIMEOUT', stage: 'content_analysis' });
    await engine.close();
    await bus.close();
  });
});

describe('createPipeline with a store', () => {
  let target: StoreTarget;
  let store: CouchStore;

  beforeEach(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger, dbPrefix: target.dbPrefix });
  });

  afterEach(async () => {
    await store.close();
    await target.close();
  });

  it('stores each image as it finishes, while the others are still being generated', async () => {
    let releaseSecond!: () => void;
    const secondMayFinish = new Promise<void>((resolve) => (releaseSecond = resolve));
    const engine = localEngineWith((local) => ({
      generateImage: async (photo, suggestion, options) => {
        const image = await local.generateImage(photo, suggestion, options);
        if (options?.index === 2) await secondMayFinish;
        return image;
      },
    }));
    const bus = createEventBus({ logger, validate: true });
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_storeeach';
    const running = pipeline.process({ requestId, upload: await realPhotoJpeg() });

    // Image 1 reaches the database while image 2 is held back.
    await waitUntilAsync(async () => (await store.getImage(requestId, 1)) !== null);
    expect(await store.getImage(requestId, 2)).toBeNull();
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'processing' });

    releaseSecond();
    const result = await running;
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'completed', imagesGenerated: 2 });
    for (const image of result.images) {
      if ('imageData' in image) expect((await storedBytes(store.getImage(requestId, image.index)))?.toString('base64')).toBe(image.imageData);
    }
    await engine.close();
    await bus.close();
  });

  it('still answers and stores the camera settings ContentAgent delivered before AnalysisAgent failed', async () => {
    let settingsDelivered!: () => void;
    const delivered = new Promise<void>((resolve) => (settingsDelivered = resolve));
    const engine = localEngineWith((local) => ({
      recommendSettings: async (photo, options) => {
        const settings = await local.recommendSettings(photo, options);
        settingsDelivered();
        return settings;
      },
      analyzePhoto: async () => {
        await delivered;
        throw new Error('upstream said no');
      },
    }));
    const bus = createEventBus({ logger, validate: true });
    const events: PipelineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_partialok';

    const err = (await pipeline.process({ requestId, upload: await realPhotoJpeg() }).catch((e: unknown) => e)) as AppError;
    const emitted = events.find((e) => e.type === 'content_analysis_complete');
    expect(emitted).toBeDefined();
    const settings = (emitted as { settings: unknown }).settings;
    expect(err).toMatchObject({ code: 'ANALYSIS_FAILED', status: 502, message: 'Photo analysis failed: upstream said no' });
    expect(err.details).toMatchObject({ settings });
    expect(err.details).not.toHaveProperty('analysis');
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'failed', settings, error: { code: 'ANALYSIS_FAILED', stage: 'photo_analysis' } });
    await engine.close();
    await bus.close();
  });

  it('drops a result that arrives after the other agent failed: no event after the failure, nothing answered or stored', async () => {
    const local = createLocalEngine();
    const upload = await realPhotoJpeg();
    // Ready before the request, so the straggler answers the moment the other agent has failed:
    // before the failure is stored and emitted, which is when it used to slip through.
    const lateAnalysis = await local.analyzePhoto(await inspectPhoto(upload, { maxPixels: 1e8 }), 2);
    let failed!: () => void;
    const contentFailed = new Promise<void>((resolve) => (failed = resolve));
    const engine = localEngineWith(() => ({
      recommendSettings: async () => {
        failed();
        throw new Error('quota exhausted');
      },
      // Ignores the abort, as a slow upstream call might.
      analyzePhoto: async () => {
        await contentFailed;
        return lateAnalysis;
      },
    }), local);
    const bus = createEventBus({ logger, validate: true });
    const events: PipelineEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_partialno';

    const err = (await pipeline.process({ requestId, upload }).catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'ANALYSIS_FAILED', message: 'Camera settings analysis failed: quota exhausted' });
    // Let the straggler finish: it must not surface anywhere.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.map((e) => e.type)).toEqual(['processing_started', 'analysis_started', 'processing_error']);
    expect(err.details).not.toHaveProperty('analysis');
    const stored = await store.getRequest(requestId);
    expect(stored).toMatchObject({ status: 'failed', error: { code: 'ANALYSIS_FAILED', stage: 'content_analysis' } });
    expect(stored?.analysis).toBeUndefined();
    await engine.close();
    await bus.close();
  });
});

async function waitUntilAsync(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
