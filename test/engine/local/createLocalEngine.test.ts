import sharp from 'sharp';
import type { Photo } from '../../../src/domain/Photo';
import { AnalysisSchema, CameraSettingsSchema, type Suggestion } from '../../../src/domain/schemas';
import { EngineError } from '../../../src/errors/EngineError';
import type { EngineCallRecord, ImageEngine } from '../../../src/engine/ImageEngine';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import {
  CHELSEA,
  chelsea,
  chelseaJpeg,
  darkChelsea,
  flatChelsea,
  greyChelsea,
  meanAbsoluteDifference,
  meanChroma,
  subjectAt,
  toPhoto,
} from './localTestImages';

const kindOf = (s: Suggestion) => (s.recipe as { kind: string }).kind;

describe('createLocalEngine', () => {
  let engine: ImageEngine;
  beforeEach(() => {
    engine = createLocalEngine();
  });
  afterEach(async () => {
    await engine.close();
  });

  it('is named "local"', () => {
    expect(engine.name).toBe('local');
  });

  it('returns schema-valid settings and an analysis with exactly the requested suggestions for varied photos', async () => {
    const photos = await Promise.all([chelsea(), darkChelsea(), flatChelsea(), greyChelsea(), subjectAt(0.8, 0.2), chelseaJpeg()]);
    for (const buffer of photos) {
      const photo = await toPhoto(buffer);
      const settings = await engine.recommendSettings(photo);
      expect(CameraSettingsSchema.parse(settings)).toEqual(settings);
      expect(settings.reason).toMatch(/median brightness \d+%/);
      const analysis = await engine.analyzePhoto(photo, 4);
      expect(AnalysisSchema.parse(analysis)).toEqual(analysis);
      expect(analysis.suggestions).toHaveLength(4);
      expect(new Set(analysis.suggestions.map(kindOf)).size).toBe(4);
      expect(analysis.summary.split(/(?<=\.)\s/).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('honours every count from 1 to 8 and rejects counts outside that range with EngineError', async () => {
    const photo = await toPhoto(await chelsea());
    for (let count = 1; count <= 8; count++) {
      const analysis = await engine.analyzePhoto(photo, count);
      expect(analysis.suggestions).toHaveLength(count);
    }
    for (const bad of [0, 9, 2.5, Number.NaN]) {
      await expect(engine.analyzePhoto(photo, bad)).rejects.toBeInstanceOf(EngineError);
    }
  });

  it('gives byte-identical results for the same photo on two engine instances', async () => {
    const buffer = await chelseaJpeg();
    const other = createLocalEngine();
    try {
      // Separate Photo objects too, so nothing is shared through the cache.
      const [a, b] = [await toPhoto(buffer), await toPhoto(Buffer.from(buffer))];
      expect(await other.recommendSettings(b)).toEqual(await engine.recommendSettings(a));
      const [analysisA, analysisB] = [await engine.analyzePhoto(a, 4), await other.analyzePhoto(b, 4)];
      expect(JSON.stringify(analysisB)).toBe(JSON.stringify(analysisA));
      for (const [i, suggestion] of analysisA.suggestions.entries()) {
        const [imageA, imageB] = await Promise.all([
          engine.generateImage(a, suggestion, { index: i + 1 }),
          other.generateImage(b, analysisB.suggestions[i], { index: i + 1 }),
        ]);
        expect(imageA.data.equals(imageB.data)).toBe(true);
      }
    } finally {
      await other.close();
    }
  });

  it('gives different advice and images for different photos', async () => {
    const [catPhoto, scenePhoto] = await Promise.all([chelsea().then(toPhoto), subjectAt(0.8, 0.2).then(toPhoto)]);
    const [cat, scene] = await Promise.all([engine.analyzePhoto(catPhoto, 4), engine.analyzePhoto(scenePhoto, 4)]);
    expect(cat.summary).not.toBe(scene.summary);
    expect(cat.scores).not.toEqual(scene.scores);
    expect(cat.suggestions.map((s) => s.description)).not.toEqual(scene.suggestions.map((s) => s.description));
    const [catSettings, sceneSettings] = await Promise.all([
      engine.recommendSettings(catPhoto),
      engine.recommendSettings(scenePhoto),
    ]);
    expect(catSettings).not.toEqual(sceneSettings);
  });

  it('renders every suggestion as a JPEG within bounds, different from the input and from each other', async () => {
    const photo = await toPhoto(await chelsea());
    const analysis = await engine.analyzePhoto(photo, 8);
    const images = await Promise.all(analysis.suggestions.map((s, i) => engine.generateImage(photo, s, { index: i + 1 })));
    for (const image of images) {
      const meta = await sharp(image.data).metadata();
      expect(meta.format).toBe('jpeg');
      expect(image.mimeType).toBe('image/jpeg');
      expect([meta.width, meta.height]).toEqual([image.width, image.height]);
      expect(image.width).toBeLessThanOrEqual(photo.width);
      expect(image.height).toBeLessThanOrEqual(photo.height);
      expect(Math.max(image.width, image.height)).toBeGreaterThanOrEqual(200);
      expect(await meanAbsoluteDifference(photo.buffer, image.data)).toBeGreaterThan(3);
    }
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        expect(await meanAbsoluteDifference(images[i].data, images[j].data)).toBeGreaterThan(3);
      }
    }
  });

  it('limits large photos to outputMaxEdge without enlarging small ones', async () => {
    const large = await toPhoto(await sharp(await chelsea()).resize(2400, 1600).jpeg().toBuffer());
    const suggestion = (await engine.analyzePhoto(large, 1)).suggestions[0];
    const image = await engine.generateImage(large, suggestion, { index: 1 });
    expect(Math.max(image.width, image.height)).toBe(1024);

    const small = createLocalEngine({ outputMaxEdge: 4000 });
    try {
      const photo = await toPhoto(await chelsea());
      const plain = { title: 'Add punch', description: 'More contrast.', instruction: 'Apply an S-curve.' };
      const out = await small.generateImage(photo, plain, { index: 1 });
      expect([out.width, out.height]).toEqual([451, 300]);
    } finally {
      await small.close();
    }
  });

  it('honours EXIF orientation', async () => {
    const rotated = await sharp(await chelsea()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const photo = await toPhoto(rotated);
    expect([photo.width, photo.height]).toEqual([300, 451]);
    const suggestion = (await engine.analyzePhoto(photo, 1)).suggestions[0];
    const image = await engine.generateImage(photo, suggestion, { index: 1 });
    expect(image.height).toBeGreaterThan(image.width);
  });

  it('renders suggestions without a local recipe by matching their words', async () => {
    const photo = await toPhoto(await chelsea());
    const mono = await engine.generateImage(
      photo,
      { title: 'Convert to black and white', description: 'Focus on form.', instruction: 'Make it monochrome.' },
      { index: 1 },
    );
    expect(await meanChroma(mono.data)).toBeLessThan(3);
    const unknown = await engine.generateImage(
      photo,
      { title: 'Make it sing', description: '…', instruction: 'Something wonderful.', recipe: { engine: 'other' } },
      { index: 2 },
    );
    expect(await meanAbsoluteDifference(photo.buffer, unknown.data)).toBeGreaterThan(3);
  });

  it.each([
    ['a 12:1 contrasty panorama', () => sharp(CHELSEA).resize(6000, 500, { fit: 'fill' }).linear(1.6, -60).jpeg().toBuffer()],
    ['a 200 × 5 strip', () => sharp(CHELSEA).resize(200, 5, { fit: 'fill' }).png().toBuffer()],
    ['a 5 × 200 strip', () => sharp(CHELSEA).resize(5, 200, { fit: 'fill' }).png().toBuffer()],
    ['a single pixel', () => sharp(CHELSEA).resize(1, 1).png().toBuffer()],
  ])('renders every edit of %s, local contrast included', async (_name, make) => {
    const photo = await toPhoto(await make());
    const analysis = await engine.analyzePhoto(photo, 8);
    const localDetail = { title: 'Bring out local detail', description: '…', instruction: 'Raise the local contrast.' };
    for (const [i, suggestion] of [...analysis.suggestions, localDetail].entries()) {
      const image = await engine.generateImage(photo, suggestion, { index: i + 1 });
      expect(image.width).toBeGreaterThan(0);
      expect((await sharp(image.data).metadata()).format).toBe('jpeg');
    }
  });

  it('records one call per stage with the local model name', async () => {
    const photo = await toPhoto(await chelsea());
    const calls: EngineCallRecord[] = [];
    const recordCall = (call: EngineCallRecord) => calls.push(call);
    await engine.recommendSettings(photo, { recordCall });
    const analysis = await engine.analyzePhoto(photo, 2, { recordCall });
    await engine.generateImage(photo, analysis.suggestions[1], { index: 2, recordCall });
    expect(calls.map((c) => [c.stage, c.model, c.attempts, c.imageIndex])).toEqual([
      ['content_analysis', 'local-sharp', 1, undefined],
      ['photo_analysis', 'local-sharp', 1, undefined],
      ['image_generation', 'local-sharp', 1, 2],
    ]);
    for (const call of calls) expect(call.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects with EngineError when the signal is already aborted, before doing any work', async () => {
    const photo = await toPhoto(await chelsea());
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    const recordCall = jest.fn();
    await expect(engine.recommendSettings(photo, { signal: controller.signal, recordCall })).rejects.toBeInstanceOf(EngineError);
    await expect(engine.analyzePhoto(photo, 4, { signal: controller.signal })).rejects.toThrow(/aborted/);
    await expect(
      engine.generateImage(photo, { title: 't', description: 'd', instruction: 'i' }, { index: 1, signal: controller.signal }),
    ).rejects.toBeInstanceOf(EngineError);
    expect(recordCall).not.toHaveBeenCalled();
  });

  it('rejects as soon as the signal aborts mid-way, and the shared work stays usable', async () => {
    const photo = await toPhoto(await sharp(await chelsea()).resize(3000, 2000).jpeg().toBuffer());
    const controller = new AbortController();
    const pending = engine.analyzePhoto(photo, 4, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(EngineError);
    const analysis = await engine.analyzePhoto(photo, 4);
    expect(analysis.suggestions).toHaveLength(4);
  });

  it('rejects corrupt and truncated bytes with EngineError and keeps working afterwards', async () => {
    const jpeg = await chelseaJpeg();
    const half = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const truncated: Photo = { ...(await toPhoto(jpeg)), buffer: half, decodable: half };
    const text = Buffer.from('definitely not an image, just text');
    const garbage: Photo = { ...truncated, buffer: text, decodable: text };
    for (const photo of [truncated, garbage]) {
      await expect(engine.recommendSettings(photo)).rejects.toBeInstanceOf(EngineError);
      await expect(engine.analyzePhoto(photo, 4)).rejects.toThrow(/could not be decoded/);
      await expect(
        engine.generateImage(photo, { title: 'Add punch', description: 'd', instruction: 'i' }, { index: 1 }),
      ).rejects.toBeInstanceOf(EngineError);
    }
    const fine = await engine.analyzePhoto(await toPhoto(jpeg), 4);
    expect(fine.suggestions).toHaveLength(4);
  });

  it('closes idempotently and rejects calls after close', async () => {
    await engine.close();
    await engine.close();
    await expect(engine.recommendSettings(await toPhoto(await chelsea()))).rejects.toThrow(/closed/);
  });

  it('refuses invalid options at construction', () => {
    expect(() => createLocalEngine({ outputMaxEdge: 0 })).toThrow(RangeError);
    expect(() => createLocalEngine({ jpegQuality: 101 })).toThrow(RangeError);
    expect(() => createLocalEngine({ maxParallelPixelWork: 0 })).toThrow(RangeError);
  });
});

