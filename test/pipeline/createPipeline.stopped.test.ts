/**
 * A request stopped while its images are being generated (its deadline, the client leaving)
 * fails for that reason, keeping the images that were finished: never a 200 with images missing.
 * A stop that arrives once every image is finished loses nothing: the request succeeds.
 */
import { AppError } from '../../src/errors/AppError';
import { createEventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import type { ImageEngine } from '../../src/engine/ImageEngine';
import { createLogger } from '../../src/logging/createLogger';
import { DeadlineError } from '../../src/util/createDeadline';
import { createPipeline } from '../../src/pipeline/createPipeline';
import { createCouchStore } from '../../src/store/createCouchStore';
import type { CouchStore } from '../../src/store/CouchStore';
import { realPhotoJpeg } from '../support/images';
import { localEngineWith } from '../support/localEngineWith';
import { startStoreTarget, type StoreTarget } from '../store/support/storeTarget';
import { storedBytes } from '../store/support/storedBytes';

const logger = createLogger({ level: 'silent' });

/** The real local engine, except that every image after the first waits until the request stops. */
function engineFinishingOnlyImageOne(): ImageEngine {
  return localEngineWith((local) => ({
    generateImage: (photo, suggestion, options) =>
      options?.index === 1
        ? local.generateImage(photo, suggestion, options)
        : new Promise((_resolve, reject) => {
            options?.signal?.addEventListener('abort', () => reject(new Error('The operation was aborted')), { once: true });
          }),
  }));
}

describe('createPipeline: a request stopped during image generation', () => {
  let target: StoreTarget;
  let store: CouchStore;
  let engine: ImageEngine;
  const bus = createEventBus({ logger, validate: true });
  const events: PipelineEvent[] = [];
  bus.subscribe((e) => events.push(e));

  beforeEach(async () => {
    target = await startStoreTarget();
    store = await createCouchStore({ url: target.url, mode: target.mode, logger, dbPrefix: target.dbPrefix });
    engine = engineFinishingOnlyImageOne();
    events.length = 0;
  });
  afterEach(async () => {
    await engine.close();
    await store.close();
    await target.close();
  });
  afterAll(() => bus.close());

  it('fails with 504 REQUEST_TIMEOUT at its deadline, answering and storing the image that was finished', async () => {
    // The pipeline's own timer is far off: a real 2.5 s one raced the photo's analysis on a loaded
    // machine. The deadline's reason is sent once image 1 is done; createDeadline's own test covers the timer.
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 3, maxImagePixels: 1e8, requestTimeoutMs: 600_000 });
    const requestId = 'req_1758260128188_deadline1';
    const deadline = new AbortController();
    let settled = false;
    const running = pipeline
      .process({ requestId, upload: await realPhotoJpeg(), signal: deadline.signal })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    // Image 1 settles (or the request ends early, which the assertions below then show).
    await waitUntil(() => settled || events.some((e) => e.requestId === requestId && e.type.startsWith('individual_image_') && e.type !== 'individual_image_started'), 50_000);
    deadline.abort(new DeadlineError(2500));
    const err = (await running) as AppError;

    expect(err).toMatchObject({ code: 'REQUEST_TIMEOUT', status: 504, message: 'The request took longer than REQUEST_TIMEOUT_MS (2500 ms) and was stopped' });
    expect(err.details).toMatchObject({ imagesGenerated: 1, settings: expect.any(Object), analysis: expect.any(Object) });
    const images = err.details?.images as Array<{ index: number; imageData?: string; error?: string }>;
    expect(images[0].imageData).toEqual(expect.any(String));
    expect(images.slice(1).map((i) => i.error)).toEqual([err.message, err.message]);

    const mine = events.filter((e) => e.requestId === requestId);
    expect(mine.map((e) => e.type).slice(-2)).toEqual(['image_generation_error', 'processing_error']);
    expect(mine.at(-2)).toMatchObject({ error: `1 of 3 images were generated: ${err.message}` });
    expect(mine.at(-1)).toMatchObject({ code: 'REQUEST_TIMEOUT', stage: 'image_generation' });
    expect(mine.some((e) => e.type === 'processing_completed' || e.type === 'image_generation_completed')).toBe(false);

    const stored = await store.getRequest(requestId);
    expect(stored).toMatchObject({ status: 'failed', imagesGenerated: 1, error: { code: 'REQUEST_TIMEOUT', stage: 'image_generation' } });
    expect((await storedBytes(store.getImage(requestId, 1)))?.toString('base64')).toBe(images[0].imageData);
  });

  it('is stored as CLIENT_CLOSED when the client leaves after the first image', async () => {
    const pipeline = createPipeline({ engine, bus, store, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_clientgon';
    const client = new AbortController();
    const running = pipeline.process({ requestId, upload: await realPhotoJpeg(), signal: client.signal });
    await waitUntil(() => events.some((e) => e.requestId === requestId && e.type === 'individual_image_completed'));
    client.abort(new AppError('CLIENT_CLOSED', 'The client closed the connection before the answer'));

    await expect(running).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'failed', imagesGenerated: 1, error: { code: 'CLIENT_CLOSED' } });
  });

  it('still succeeds when the stop arrives after every image is finished', async () => {
    const client = new AbortController();
    let finished = 0;
    const late = localEngineWith((local) => ({
      // The client leaves just as the last image is handed over: nothing was lost to the stop.
      generateImage: async (photo, suggestion, options) => {
        const image = await local.generateImage(photo, suggestion, options);
        finished += 1;
        if (finished === 2) client.abort(new AppError('CLIENT_CLOSED', 'The client closed the connection before the answer'));
        return image;
      },
    }));
    const pipeline = createPipeline({ engine: late, bus, store, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const requestId = 'req_1758260128188_lateabort';
    const result = await pipeline.process({ requestId, upload: await realPhotoJpeg(), signal: client.signal });

    expect(client.signal.aborted).toBe(true);
    expect(result).toMatchObject({ success: true, imagesGenerated: 2 });
    const mine = events.filter((e) => e.requestId === requestId);
    expect(mine.map((e) => e.type).slice(-2)).toEqual(['image_generation_completed', 'processing_completed']);
    expect(await store.getRequest(requestId)).toMatchObject({ status: 'completed', imagesGenerated: 2 });
    await late.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
