import { FIXTURE_PHOTO, ROTATED_HEIC_FIXTURE } from '../../support/images';
import { createHeicDecoder } from '../../../src/domain/heic/createHeicDecoder';
import { inspectPhoto } from '../../../src/domain/inspectPhoto';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { AnalysisSchema, CameraSettingsSchema } from '../../../src/domain/schemas';
import { EngineError } from '../../../src/errors/EngineError';
import type { EngineCallRecord, ImageEngine } from '../../../src/engine/ImageEngine';
import { createGeminiEngine } from '../../../src/engine/gemini/createGeminiEngine';
import { DEFAULT_GEMINI_IMAGE_MODEL, DEFAULT_GEMINI_TEXT_MODEL } from '../../../src/engine/gemini/defaults';
import { FAKE_SUGGESTION_TITLES, type FakeGeminiServer } from '../../support/gemini/createFakeGeminiServer';
import { startGeminiEngine } from '../../support/gemini/startGeminiEngine';
import { makeTestPhoto, photoFromBuffer } from '../../support/gemini/makeTestPhoto';

const suggestion = { title: 'Lift the shadows', description: 'Shows detail.', instruction: 'Lift the shadows by one stop.' };

describe('createGeminiEngine against a Gemini REST server', () => {
  let server: FakeGeminiServer;
  let engine: ImageEngine;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ server, engine, close } = await startGeminiEngine({ server: { apiKey: 'test-key' } }));
  });
  afterEach(() => close());

  it('is named gemini and uses the default models', async () => {
    expect(engine.name).toBe('gemini');
    const photo = await makeTestPhoto();
    await engine.recommendSettings(photo);
    await engine.generateImage(photo, suggestion, { index: 1 });
    expect(server.calls.map((c) => c.model)).toEqual([DEFAULT_GEMINI_TEXT_MODEL, DEFAULT_GEMINI_IMAGE_MODEL]);
  });

  it('recommends settings that validate, sending the photo inline with a JSON response schema', async () => {
    const photo = await makeTestPhoto();
    const settings = await engine.recommendSettings(photo);

    expect(CameraSettingsSchema.parse(settings)).toEqual(settings);
    expect(settings.aperture).toBe('f/4');
    const [call] = server.calls;
    expect(call.path).toBe(`/v1beta/models/${DEFAULT_GEMINI_TEXT_MODEL}:generateContent`);
    expect(call.apiKey).toBe('test-key');
    expect(call.kind).toBe('text');
    expect(call.images).toHaveLength(1);
    expect(call.images[0].mimeType).toBe('image/jpeg');
    expect(call.generationConfig.responseMimeType).toBe('application/json');
    const schema = call.generationConfig.responseJsonSchema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['aperture', 'shutter_speed', 'iso', 'white_balance', 'exposure_compensation', 'reason']),
    );
    // Engine-local fields are not asked of the model.
    expect(schema.properties).not.toHaveProperty('current');
    expect(call.systemInstruction).toMatch(/photography coach/);
  });

  it('tells the model the EXIF settings and reports them as `current`', async () => {
    const photo = await makeTestPhoto({
      exif: { IFD0: { Make: 'Canon', Model: 'Canon EOS R5' }, IFD2: { FNumber: '28/10', ExposureTime: '1/125', ISOSpeedRatings: '400', FocalLength: '50/1' } },
    });
    const settings = await engine.recommendSettings(photo);

    expect(settings.current).toEqual({ aperture: 'f/2.8', shutter_speed: '1/125', iso: '400', focal_length: '50 mm', camera: 'Canon EOS R5' });
    expect(server.calls[0].prompt).toContain('f/2.8, 1/125 s, ISO 400, 50 mm, on a Canon EOS R5');
  });

  it('sends an HEVC HEIC upload as its decodable copy, and reads the shot from it', async () => {
    const photo = await inspectPhoto(await readFile(ROTATED_HEIC_FIXTURE), { maxPixels: 1e8, heicDecoder: createHeicDecoder() });
    const settings = await engine.recommendSettings(photo);
    await engine.generateImage(photo, suggestion, { index: 1 });

    expect(settings.current).toMatchObject({ aperture: 'f/1.8', iso: '64', camera: 'Apple iPhone 15 Pro' });
    for (const call of server.calls) {
      expect(call.images[0]).toMatchObject({ mimeType: 'image/jpeg', width: 240, height: 160 });
    }
  });

  it('analyses the photo into exactly the requested number of valid suggestions', async () => {
    const photo = await makeTestPhoto();
    const analysis = await engine.analyzePhoto(photo, 4);

    expect(AnalysisSchema.parse(analysis)).toEqual(analysis);
    expect(analysis.suggestions.map((s) => s.title)).toEqual(FAKE_SUGGESTION_TITLES.slice(0, 4));
    const schema = server.calls[0].generationConfig.responseJsonSchema as {
      properties: { suggestions: { minItems: number; maxItems: number; items: { properties: object } } };
    };
    expect(schema.properties.suggestions.minItems).toBe(4);
    expect(schema.properties.suggestions.maxItems).toBe(4);
    expect(schema.properties.suggestions.items.properties).not.toHaveProperty('recipe');
    expect(schema).not.toHaveProperty('properties.metrics');
    expect(server.calls[0].prompt).toContain('exactly 4');
  });

  it('trims extra suggestions and rejects too few', async () => {
    const photo = await makeTestPhoto();
    const withCount = (n: number) => (_call: unknown, answer: Record<string, unknown>) => {
      const parts = (answer.candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0].content.parts;
      const json = JSON.parse(parts[0].text);
      json.suggestions = Array.from({ length: n }, (_, i) => ({ title: `T${i}`, description: 'd', instruction: 'i' }));
      parts[0].text = JSON.stringify(json);
      return answer;
    };
    const removeMany = server.addRule({ kind: 'text', times: 1, respond: withCount(6) });
    expect((await engine.analyzePhoto(photo, 4)).suggestions.map((s) => s.title)).toEqual(['T0', 'T1', 'T2', 'T3']);
    removeMany();

    server.addRule({ kind: 'text', times: 1, respond: withCount(2) });
    await expect(engine.analyzePhoto(photo, 4)).rejects.toThrow(new EngineError('Gemini returned 2 suggestions where 4 were asked for'));
  });

  it('generates an image by sending the photo and the instruction to the image model', async () => {
    const photo = await makeTestPhoto({ width: 320, height: 240 });
    const image = await engine.generateImage(photo, suggestion, { index: 3 });

    expect(image.mimeType).toBe('image/jpeg');
    expect([image.width, image.height]).toEqual([320, 240]);
    const meta = await sharp(image.data).metadata();
    expect(meta.format).toBe('jpeg');
    const [call] = server.calls;
    expect(call.kind).toBe('image');
    expect(call.generationConfig.responseModalities).toEqual(expect.arrayContaining(['IMAGE']));
    expect(call.prompt).toContain('Lift the shadows by one stop.');
    expect(call.images).toHaveLength(1);
  });

  it('downscales a large upload to at most 1536 px before sending it', async () => {
    const photo = await photoFromBuffer(await readFile(FIXTURE_PHOTO));
    const big = await photoFromBuffer(await sharp(photo.buffer).resize({ width: 3000 }).png().toBuffer());
    await engine.recommendSettings(big);

    const [sent] = server.calls[0].images;
    expect(Math.max(sent.width ?? 0, sent.height ?? 0)).toBe(1536);
    expect(sent.mimeType).toBe('image/jpeg');
  });

  it('records each call with latency, attempts and token usage from usageMetadata', async () => {
    const photo = await makeTestPhoto();
    const records: EngineCallRecord[] = [];
    const recordCall = (r: EngineCallRecord) => records.push(r);
    await engine.recommendSettings(photo, { recordCall });
    await engine.analyzePhoto(photo, 4, { recordCall });
    await engine.generateImage(photo, suggestion, { index: 2, recordCall });

    expect(records.map((r) => [r.stage, r.model, r.attempts, r.imageIndex])).toEqual([
      ['content_analysis', DEFAULT_GEMINI_TEXT_MODEL, 1, undefined],
      ['photo_analysis', DEFAULT_GEMINI_TEXT_MODEL, 1, undefined],
      ['image_generation', DEFAULT_GEMINI_IMAGE_MODEL, 1, 2],
    ]);
    records.forEach((r, i) => {
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
      expect(r.inputTokens).toBe(server.calls[i].usage?.promptTokenCount);
      expect(r.outputTokens).toBe(server.calls[i].usage?.candidatesTokenCount);
    });
    expect(records[2].outputTokens).toBeGreaterThanOrEqual(1290);
  });

  it('counts thinking tokens as output tokens', async () => {
    server.addRule({
      respond: (_call, answer) => ({ ...answer, usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 40, thoughtsTokenCount: 200, totalTokenCount: 540 } }),
    });
    const records: EngineCallRecord[] = [];
    await engine.recommendSettings(await makeTestPhoto(), { recordCall: (r) => records.push(r) });
    expect(records[0]).toMatchObject({ inputTokens: 300, outputTokens: 240 });
  });

  it('answers a wrong API key with a readable non-retried EngineError', async () => {
    const wrong = createGeminiEngine({ apiKey: 'nope', baseUrl: server.url, retryBaseDelayMs: 5 });
    const error = await wrong.recommendSettings(await makeTestPhoto()).catch((e: unknown) => e);
    await wrong.close();

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toMatch(/API key not valid/);
    expect((error as EngineError).status).toBe(400);
    expect(server.calls).toHaveLength(1);
  });

  it('refuses calls after close, and close is idempotent', async () => {
    await engine.close();
    await engine.close();
    await expect(engine.recommendSettings(await makeTestPhoto())).rejects.toThrow(/closed/);
    expect(server.calls).toHaveLength(0);
  });
});
