/**
 * The whole HTTP + WebSocket pipeline on the gemini engine, with the real @google/genai SDK
 * talking to a local server that speaks the Gemini REST protocol (GEMINI_BASE_URL).
 */
import sharp from 'sharp';
import { AnalysisSchema, CameraSettingsSchema } from '../../src/domain/schemas';
import { PipelineEventSchema, REQUEST_ID_PATTERN } from '../../src/events/eventSchemas';
import type { ReceivedMessage } from '../support/createWsClient';
import { expectSpecEvents } from '../support/expectSpecEvents';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createFakeGeminiServer, FAKE_SUGGESTION_TITLES, type FakeGeminiServer } from '../support/gemini/createFakeGeminiServer';
import { processImageOverWs } from '../support/gemini/processImageOverWs';

jest.setTimeout(60_000);

const TOTAL_TIME = /^\d+\.\d{2}$/;

/** Asserts the SPEC §4 order for one request with `n` images. */
function expectSpecOrder(events: ReceivedMessage[], n: number, terminal: 'processing_completed' | 'processing_error'): void {
  const types = events.map((e) => e.type);
  expect(types.slice(0, 2)).toEqual(['processing_started', 'analysis_started']);
  expect([...types.slice(2, 4)].sort()).toEqual(['content_analysis_complete', 'photo_analysis_complete']);
  expect(types[4]).toBe('image_generation_started');
  expect(types.slice(5, 5 + n)).toEqual(Array(n).fill('individual_image_started'));
  for (const type of types.slice(5 + n, 5 + 2 * n)) expect(['individual_image_completed', 'individual_image_error']).toContain(type);
  expect(['image_generation_completed', 'image_generation_error']).toContain(types[5 + 2 * n]);
  expect(types[6 + 2 * n]).toBe(terminal);
  expect(types).toHaveLength(7 + 2 * n);
  expect(types.filter((t) => t === 'processing_completed' || t === 'processing_error')).toHaveLength(1);
}

function expectValidEvents(events: ReceivedMessage[]): void {
  for (const event of events) {
    const parsed = PipelineEventSchema.safeParse(event);
    if (!parsed.success) throw new Error(`${event.type} does not match its schema: ${parsed.error.message}`);
  }
  // SPEC §4's fields, checked apart from the schemas (which could drift with the code).
  expectSpecEvents(events);
}

describe('POST /process-image on the gemini engine', () => {
  let gemini: FakeGeminiServer;
  let service: TestService;
  let photo: Buffer;

  beforeAll(async () => {
    photo = await realPhotoJpeg();
    gemini = await createFakeGeminiServer({ apiKey: 'pipeline-key', latencyMs: { image: 150 } });
    service = await startTestService({
      ENGINE: 'gemini',
      GEMINI_API_KEY: 'pipeline-key',
      GEMINI_BASE_URL: gemini.url,
      GEMINI_MAX_RETRIES: '1',
      GEMINI_TIMEOUT_MS: '10000',
    });
  });
  afterAll(async () => {
    await service?.close();
    await gemini?.close();
  });
  beforeEach(() => gemini.reset());

  it('answers 200 with settings, analysis and four images, and streams the SPEC events in order', async () => {
    const { status, body, events, connectionId } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, engine: 'gemini', imagesGenerated: 4 });
    expect(body.requestId).toMatch(REQUEST_ID_PATTERN);
    expect(body.totalTime).toMatch(TOTAL_TIME);
    expect(CameraSettingsSchema.parse(body.settings)).toMatchObject({ aperture: 'f/4', iso: '200' });
    const analysis = AnalysisSchema.parse(body.analysis);
    expect(analysis.suggestions.map((s) => s.title)).toEqual(FAKE_SUGGESTION_TITLES.slice(0, 4));
    const images = body.images as Array<Record<string, unknown>>;
    expect(images.map((i) => [i.index, i.title, i.mimeType])).toEqual(
      FAKE_SUGGESTION_TITLES.slice(0, 4).map((title, i) => [i + 1, title, 'image/jpeg']),
    );
    for (const image of images) {
      const meta = await sharp(Buffer.from(image.imageData as string, 'base64')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', image.width, image.height]);
    }
    expect(body.timings).toEqual(
      expect.objectContaining({ content_analysis: expect.any(Number), photo_analysis: expect.any(Number), image_generation: expect.any(Number) }),
    );

    expectValidEvents(events);
    expectSpecOrder(events, 4, 'processing_completed');
    expect(events[0].connectionId).toBe(connectionId);
    expect(events.find((e) => e.type === 'photo_analysis_complete')?.suggestionsCount).toBe(4);
    const completed = events.filter((e) => e.type === 'individual_image_completed');
    expect(completed.map((e) => e.imageIndex).sort()).toEqual([1, 2, 3, 4]);
    for (const event of completed) {
      expect(event.message).toBe(`Image ${String(event.imageIndex)}/4 generated successfully: ${String(event.title)}`);
      expect(event.imageData).toBe(images[(event.imageIndex as number) - 1].imageData);
    }
    expect(events.at(-1)?.message).toBe(`Processing completed successfully in ${body.totalTime as string}ms`);
  });

  it('sends the photo to the text model twice and to the image model four times, the four in parallel', async () => {
    await processImageOverWs(service, photo);

    expect(gemini.callsWhere({ kind: 'text' })).toHaveLength(2);
    const imageCalls = gemini.callsWhere({ kind: 'image' });
    expect(imageCalls).toHaveLength(4);
    expect(imageCalls.every((c) => c.images.length === 1 && c.apiKey === 'pipeline-key')).toBe(true);
    const lastStart = Math.max(...imageCalls.map((c) => c.startedAt));
    const firstEnd = Math.min(...imageCalls.map((c) => c.endedAt ?? Number.POSITIVE_INFINITY));
    expect(lastStart).toBeLessThan(firstEnd);
    expect(gemini.maxConcurrent({ kind: 'image' })).toBe(4);
  });

  it('reports per-call latency and token usage in the result', async () => {
    const { body } = await processImageOverWs(service, photo);
    const calls = body.calls as Array<Record<string, unknown>>;

    expect(calls.map((c) => c.stage).sort()).toEqual([
      'content_analysis',
      'image_generation',
      'image_generation',
      'image_generation',
      'image_generation',
      'photo_analysis',
    ]);
    for (const call of calls) {
      expect(call).toEqual(
        expect.objectContaining({ model: expect.any(String), latencyMs: expect.any(Number), attempts: 1, inputTokens: expect.any(Number), outputTokens: expect.any(Number) }),
      );
    }
  });

  it('matches the local engine event for event and field for field', async () => {
    const local = await startTestService({ ENGINE: 'local' });
    try {
      const onLocal = await processImageOverWs(local, photo);
      const onGemini = await processImageOverWs(service, photo);

      expect(onLocal.status).toBe(200);
      expect(Object.keys(onGemini.body).sort()).toEqual(Object.keys(onLocal.body).sort());
      const shape = (events: ReceivedMessage[]) => events.map((e) => `${e.type}:${Object.keys(e).sort().join(',')}`).sort();
      expect(shape(onGemini.events)).toEqual(shape(onLocal.events));
    } finally {
      await local.close();
    }
  });

  it('asks the models GEMINI_TEXT_MODEL and GEMINI_IMAGE_MODEL name, and picks the gemini engine from GEMINI_API_KEY alone', async () => {
    const named = await startTestService({
      ENGINE: '',
      GEMINI_API_KEY: 'pipeline-key',
      GEMINI_BASE_URL: gemini.url,
      GEMINI_TEXT_MODEL: 'gemini-test-text',
      GEMINI_IMAGE_MODEL: 'gemini-test-image',
      IMAGE_COUNT: '2',
    });
    try {
      const { status, body } = await processImageOverWs(named, photo);
      expect(status).toBe(200);
      expect(body).toMatchObject({ engine: 'gemini', imagesGenerated: 2 });
      expect(gemini.calls.map((c) => `${c.kind} ${c.model}`).sort()).toEqual([
        'image gemini-test-image',
        'image gemini-test-image',
        'text gemini-test-text',
        'text gemini-test-text',
      ]);
    } finally {
      await named.close();
    }
  });

  it('turns one always-failing image into an individual_image_error and still answers 200 with three images', async () => {
    gemini.failImagesWhosePromptContains('Lift the shadows', { type: 'status', status: 500, message: 'Internal error encountered.' });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    expect(body.imagesGenerated).toBe(3);
    const images = body.images as Array<Record<string, unknown>>;
    expect(images[2]).toEqual({ index: 3, title: 'Lift the shadows', error: expect.stringMatching(/^Gemini server error \(500 INTERNAL/), durationMs: expect.any(Number) });
    expect(images.filter((i) => 'imageData' in i)).toHaveLength(3);

    expectValidEvents(events);
    expectSpecOrder(events, 4, 'processing_completed');
    const errors = events.filter((e) => e.type === 'individual_image_error');
    expect(errors).toEqual([expect.objectContaining({ imageIndex: 3, totalImages: 4, title: 'Lift the shadows', error: images[2].error })]);
    expect(events.filter((e) => e.type === 'individual_image_completed')).toHaveLength(3);
    expect(events.find((e) => e.type === 'image_generation_completed')?.imagesGenerated).toBe(3);
    // GEMINI_MAX_RETRIES=1: the failing image was tried twice.
    expect(gemini.callsWhere({ kind: 'image' }).filter((c) => c.prompt.includes('Lift the shadows'))).toHaveLength(2);
  });

  it('retries a rate-limited image call after the RetryInfo delay and records two attempts', async () => {
    gemini.addRule({ kind: 'image', promptIncludes: 'Add gentle contrast', times: 1, fault: { type: 'status', status: 429, retryDelay: '0.2s' } });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    expect(body.imagesGenerated).toBe(4);
    expect(events.filter((e) => e.type === 'individual_image_error')).toHaveLength(0);
    const calls = body.calls as Array<{ imageIndex?: number; attempts: number }>;
    expect(calls.find((c) => c.imageIndex === 4)?.attempts).toBe(2);
    expect(calls.filter((c) => c.attempts === 1)).toHaveLength(5);
  });

  it('times out a hanging image call into an individual_image_error', async () => {
    const quick = await startTestService({ ENGINE: 'gemini', GEMINI_API_KEY: 'pipeline-key', GEMINI_BASE_URL: gemini.url, GEMINI_TIMEOUT_MS: '300' });
    try {
      gemini.addRule({ kind: 'image', promptIncludes: 'Warm up the colours', fault: { type: 'hang' } });
      const { status, body, events } = await processImageOverWs(quick, photo);

      expect(status).toBe(200);
      expect(body.imagesGenerated).toBe(3);
      expectSpecOrder(events, 4, 'processing_completed');
      expect(events.filter((e) => e.type === 'individual_image_error')).toEqual([
        expect.objectContaining({ imageIndex: 1, error: 'Gemini API timeout after 300 ms (gemini-nano-banana-2.1)' }),
      ]);
    } finally {
      await quick.close();
    }
  });

  it('answers 502 IMAGE_GENERATION_FAILED with settings and analysis when every image fails', async () => {
    gemini.addRule({ kind: 'image', fault: { type: 'safetyBlock' } });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    expect(body).toMatchObject({ success: false, error: { code: 'IMAGE_GENERATION_FAILED' } });
    expect(body.requestId).toMatch(REQUEST_ID_PATTERN);
    expect(CameraSettingsSchema.safeParse(body.settings).success).toBe(true);
    expect(AnalysisSchema.safeParse(body.analysis).success).toBe(true);

    expectValidEvents(events);
    expectSpecOrder(events, 4, 'processing_error');
    const imageErrors = events.filter((e) => e.type === 'individual_image_error');
    expect(imageErrors).toHaveLength(4);
    for (const e of imageErrors) expect(e.error).toMatch(/blocked by Gemini safety filters \(SAFETY\)/);
    expect(events.at(-2)?.type).toBe('image_generation_error');
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'image_generation' });
    expect(events.at(-1)?.totalTime).toMatch(TOTAL_TIME);
  });

  it('answers 502 ANALYSIS_FAILED with stage photo_analysis when the analysis JSON is malformed', async () => {
    gemini.addRule({ kind: 'text', promptIncludes: 'Critique this photo', fault: { type: 'malformedJson' } });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    expect(body).toMatchObject({ success: false, error: { code: 'ANALYSIS_FAILED', message: expect.stringMatching(/not valid JSON/) } });
    expectValidEvents(events);
    expect(events.map((e) => e.type)).not.toContain('image_generation_started');
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'photo_analysis' });
    expect(events.filter((e) => e.type === 'processing_error')).toHaveLength(1);
    expect(gemini.callsWhere({ kind: 'image' })).toHaveLength(0);
  });

  it('answers 502 ANALYSIS_FAILED with stage content_analysis when the settings JSON breaks the schema', async () => {
    gemini.addRule({ kind: 'text', promptIncludes: 'Recommend camera settings', fault: { type: 'schemaMismatch' } });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    expect(body).toMatchObject({ success: false, error: { code: 'ANALYSIS_FAILED', message: expect.stringMatching(/does not match the schema/) } });
    expectValidEvents(events);
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'content_analysis' });
    expect(gemini.callsWhere({ kind: 'image' })).toHaveLength(0);
  });
});
