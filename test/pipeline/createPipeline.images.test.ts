/**
 * What image generation produces and announces: exactly IMAGE_COUNT images however many
 * suggestions the engine offers, each announced with its size; an image whose edit fails in
 * libvips is reported as that edit, with libvips's words only in the log; and a finished
 * request leaves no deadline behind to abort its signal later.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import sharp from 'sharp';
import { createEventBus } from '../../src/events/createEventBus';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import type { ImageEngine } from '../../src/engine/ImageEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createPipeline } from '../../src/pipeline/createPipeline';
import { realPhotoJpeg, syntheticPhoto } from '../support/images';
import { localEngineWith, type EngineStages } from '../support/localEngineWith';

const logger = createLogger({ level: 'silent' });

describe('createPipeline: generated images', () => {
  const bus = createEventBus({ logger, validate: true });
  const events: PipelineEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const engines: ImageEngine[] = [];

  beforeEach(() => {
    events.length = 0;
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });
  afterAll(() => bus.close());

  /** The real local engine with the stages `replace` gives replaced; closed after the test. */
  function localEngine(replace: (local: ImageEngine) => Partial<EngineStages> = () => ({})): ImageEngine {
    const engine = localEngineWith(replace);
    engines.push(engine);
    return engine;
  }

  it('announces each finished image with the width and height of the image it carries', async () => {
    const pipeline = createPipeline({ engine: localEngine(), bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const result = await pipeline.process({ requestId: 'req_1758260128188_imagesize', upload: await syntheticPhoto({ width: 480, height: 320 }) });
    expect(result.imagesGenerated).toBe(2);

    const completed = events.filter((e): e is Extract<PipelineEvent, { type: 'individual_image_completed' }> => e.type === 'individual_image_completed');
    expect(completed).toHaveLength(2);
    for (const event of completed) {
      const actual = await sharp(Buffer.from(event.imageData, 'base64')).metadata();
      expect(actual.width).toBeGreaterThan(0);
      expect({ width: event.width, height: event.height }).toEqual({ width: actual.width, height: actual.height });
    }
  });

  it('streams each image as it finishes, in finishing order, not in index order', async () => {
    let lastDone!: () => void;
    const lastFinished = new Promise<void>((resolve) => (lastDone = resolve));
    // Image 1 is held until image 3 has been generated, so the finishing order is not 1, 2, 3.
    const engine = localEngine((local) => ({
      generateImage: async (photo, suggestion, options) => {
        if (options?.index === 1) await lastFinished;
        const image = await local.generateImage(photo, suggestion, options);
        if (options?.index === 3) lastDone();
        return image;
      },
    }));
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 3, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const result = await pipeline.process({ requestId: 'req_1758260128188_finishord', upload: await syntheticPhoto({ width: 480, height: 320 }) });

    expect(result.imagesGenerated).toBe(3);
    const completed = events.filter((e) => e.type === 'individual_image_completed').map((e) => e.imageIndex);
    expect(completed.indexOf(3)).toBeLessThan(completed.indexOf(1));
    expect([...completed].sort()).toEqual([1, 2, 3]);
    // The answer still lists the images by index.
    expect(result.images.map((i) => i.index)).toEqual([1, 2, 3]);
  });

  it('generates exactly IMAGE_COUNT images when the engine suggests more', async () => {
    let suggested = 0;
    const engine = localEngine((local) => ({
      analyzePhoto: async (photo, count, options) => {
        const analysis = await local.analyzePhoto(photo, count, options);
        // An upstream model that ignores the requested count.
        const suggestions = [...analysis.suggestions, ...analysis.suggestions.map((s) => ({ ...s, title: `${s.title} (again)` }))];
        suggested = suggestions.length;
        return { ...analysis, suggestions };
      },
    }));
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const result = await pipeline.process({ requestId: 'req_1758260128188_toomanyxx', upload: await syntheticPhoto({ width: 480, height: 320 }) });

    expect(suggested).toBeGreaterThan(2);
    expect(result.images).toHaveLength(2);
    expect(result.imagesGenerated).toBe(2);
    expect(events.find((e) => e.type === 'image_generation_started')).toMatchObject({ totalImages: 2 });
    expect(events.filter((e) => e.type === 'individual_image_started')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'processing_completed', imagesGenerated: 2 });
  });

  it('reports an image whose edit fails in libvips as that edit, in a sentence, and logs libvips\'s words', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The real local engine; for image 2 it is handed the photo cut in half, so libvips fails
    // inside the render ("VipsJpeg: premature end of JPEG image").
    const engine = localEngine((local) => ({
      generateImage: (photo, suggestion, options) =>
        local.generateImage(options?.index === 2 ? { ...photo, decodable: photo.decodable.subarray(0, photo.decodable.length >> 1) } : photo, suggestion, options),
    }));
    const pipeline = createPipeline({ engine, bus, logger: pino({ level: 'warn' }, sink), imageCount: 2, maxImagePixels: 1e8, requestTimeoutMs: 60_000 });
    const result = await pipeline.process({ requestId: 'req_1758260128188_renderbad', upload: await realPhotoJpeg() });

    expect(result.imagesGenerated).toBe(1);
    const failed = result.images[1];
    const sentence = `The edit "${failed.title}" could not be rendered from this photo.`;
    expect(failed).toMatchObject({ index: 2, error: sentence });
    const event = events.find((e) => e.type === 'individual_image_error');
    expect(event).toMatchObject({ imageIndex: 2, error: sentence });
    expect(JSON.stringify([result.images, events])).not.toMatch(/vips/i);

    const logged = lines.map((line) => JSON.parse(line) as { msg: string; imageIndex?: number; err?: { message: string } });
    const entry = logged.find((e) => e.msg === 'image generation failed');
    expect(entry).toMatchObject({ imageIndex: 2 });
    // The log keeps the cause chain. libvips's own words ("VipsJpeg: premature end of JPEG
    // image") are usually there, but its error buffer is process-wide, so another operation
    // finishing at that moment can leave "Unknown error" instead.
    expect(entry?.err?.message).toMatch(/^The edit "[^"]+" could not be rendered from this photo\.: The photo could not be decoded: \S/);
  });

  it('releases a finished request\'s deadline: its signal is not aborted when REQUEST_TIMEOUT_MS later passes', async () => {
    const requestTimeoutMs = 5000;
    const signals: AbortSignal[] = [];
    const engine = localEngine((local) => ({
      generateImage: (photo, suggestion, options) => {
        if (options?.signal) signals.push(options.signal);
        return local.generateImage(photo, suggestion, options);
      },
    }));
    const pipeline = createPipeline({ engine, bus, logger, imageCount: 1, maxImagePixels: 1e8, requestTimeoutMs });
    const started = Date.now();
    await pipeline.process({ requestId: 'req_1758260128188_deadlinex', upload: await syntheticPhoto({ width: 320, height: 240 }) });
    // The request must have finished well inside its deadline for the check below to mean anything.
    expect(Date.now() - started).toBeLessThan(requestTimeoutMs - 500);
    expect(signals).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, requestTimeoutMs - (Date.now() - started) + 300));
    expect(signals[0].aborted).toBe(false);
  });
});
