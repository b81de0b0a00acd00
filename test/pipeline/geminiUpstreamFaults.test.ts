/**
 * What a client of POST /process-image gets when the Gemini upstream misbehaves in ways the
 * engine must explain or correct rather than pass on: a refused API key, an image that is not
 * what its part says it is.
 */
import sharp from 'sharp';
import { PipelineEventSchema } from '../../src/events/eventSchemas';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createFakeGeminiServer, type FakeGeminiServer } from '../support/gemini/createFakeGeminiServer';
import { processImageOverWs } from '../support/gemini/processImageOverWs';

jest.setTimeout(60_000);

describe('POST /process-image on the gemini engine when the upstream misbehaves', () => {
  let gemini: FakeGeminiServer;
  let photo: Buffer;
  const services: TestService[] = [];

  const serviceWithKey = async (apiKey: string, env: Record<string, string> = {}): Promise<TestService> => {
    const service = await startTestService({
      ENGINE: 'gemini',
      GEMINI_API_KEY: apiKey,
      GEMINI_BASE_URL: gemini.url,
      GEMINI_MAX_RETRIES: '2',
      GEMINI_RETRY_BASE_DELAY_MS: '10',
      ...env,
    });
    services.push(service);
    return service;
  };

  beforeAll(async () => {
    photo = await realPhotoJpeg();
    gemini = await createFakeGeminiServer({ apiKey: 'the-right-key' });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
    await gemini?.close();
  });
  beforeEach(() => gemini.reset());

  it('answers a wrong GEMINI_API_KEY with 502 ANALYSIS_FAILED naming the setting, without retrying', async () => {
    const service = await serviceWithKey('a-wrong-key');
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    expect(body).toMatchObject({
      success: false,
      error: { code: 'ANALYSIS_FAILED', message: expect.stringMatching(/Gemini refused the API key \(check GEMINI_API_KEY\) \(400 INVALID_ARGUMENT/) },
    });
    for (const event of events) expect(PipelineEventSchema.safeParse(event).success).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', message: expect.stringMatching(/GEMINI_API_KEY/) });
    // One attempt per agent: a refused key is not retried.
    expect(gemini.calls).toHaveLength(2);
  });

  it('answers a 401 from the upstream with the same GEMINI_API_KEY message', async () => {
    const service = await serviceWithKey('the-right-key');
    gemini.addRule({ kind: 'text', fault: { type: 'status', status: 401, statusText: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } });
    const { status, body } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    expect((body.error as { message: string }).message).toMatch(/check GEMINI_API_KEY\) \(401 UNAUTHENTICATED/);
    expect(gemini.calls).toHaveLength(2);
  });

  it('labels a GIF the image model sent as image/png by what it is, in the answer and the event', async () => {
    const service = await serviceWithKey('the-right-key');
    const gif = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 90, b: 200 } } }).gif().toBuffer();
    gemini.addRule({
      kind: 'image',
      respond: (_call, answer) => ({ ...answer, candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: gif.toString('base64') } }] }, finishReason: 'STOP' }] }),
    });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    const images = body.images as Array<Record<string, unknown>>;
    expect(images.map((i) => [i.mimeType, i.width, i.height])).toEqual(Array(4).fill(['image/gif', 64, 48]));
    expect(Buffer.from(images[0].imageData as string, 'base64').equals(gif)).toBe(true);
    const completed = events.filter((e) => e.type === 'individual_image_completed');
    expect(completed.map((e) => e.mimeType)).toEqual(Array(4).fill('image/gif'));
  });

  it('turns a truncated JPEG from the image model into that image\'s individual_image_error, not a broken image', async () => {
    const service = await serviceWithKey('the-right-key');
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2)).toString('base64');
    gemini.addRule({
      kind: 'image',
      promptIncludes: 'Lift the shadows',
      respond: (_call, answer) => ({ ...answer, candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: truncated } }] }, finishReason: 'STOP' }] }),
    });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    expect(body.imagesGenerated).toBe(3);
    const error = 'Gemini returned an image that cannot be decoded';
    expect((body.images as Array<Record<string, unknown>>)[2]).toMatchObject({ index: 3, error });
    expect(events.filter((e) => e.type === 'individual_image_error')).toEqual([expect.objectContaining({ imageIndex: 3, error })]);
  });

  it('turns a generated image over MAX_IMAGE_PIXELS or MAX_UPLOAD_MB into that image\'s individual_image_error, not a success', async () => {
    const service = await serviceWithKey('the-right-key', { MAX_IMAGE_PIXELS: '1000000', MAX_UPLOAD_MB: '0.5' });
    const tooManyPixels = await sharp({ create: { width: 1250, height: 1000, channels: 3, background: '#357' } }).png().toBuffer();
    const tooManyBytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .jpeg({ quality: 100 })
      .toBuffer();
    const answerWith = (image: Buffer) => (_call: unknown, answer: Record<string, unknown>) => ({
      ...answer,
      candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: image.toString('base64') } }] }, finishReason: 'STOP' }],
    });
    gemini.addRule({ kind: 'image', promptIncludes: 'Lift the shadows', respond: answerWith(tooManyPixels) });
    gemini.addRule({ kind: 'image', promptIncludes: 'Add gentle contrast', respond: answerWith(tooManyBytes) });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(200);
    expect(body.imagesGenerated).toBe(2);
    const errors = [
      'Gemini returned an image too large to pass on: 1250×1000 (1.3 MP), over the 1 MP limit (MAX_IMAGE_PIXELS)',
      `Gemini returned an image too large to pass on: ${tooManyBytes.length} bytes, over the 0.5 MB limit (MAX_UPLOAD_MB)`,
    ];
    const images = body.images as Array<Record<string, unknown>>;
    expect(images.slice(2)).toEqual([
      { index: 3, title: 'Lift the shadows', error: errors[0], durationMs: expect.any(Number) },
      { index: 4, title: 'Add gentle contrast', error: errors[1], durationMs: expect.any(Number) },
    ]);
    const failed = events.filter((e) => e.type === 'individual_image_error').sort((a, b) => Number(a.imageIndex) - Number(b.imageIndex));
    expect(failed.map((e) => [e.imageIndex, e.error])).toEqual([[3, errors[0]], [4, errors[1]]]);
    expect(events.filter((e) => e.type === 'individual_image_completed').map((e) => e.imageIndex).sort()).toEqual([1, 2]);
  });

  it('answers an analysis whose connection is reset on every attempt with 502 ANALYSIS_FAILED saying the connection closed', async () => {
    const service = await serviceWithKey('the-right-key');
    gemini.addRule({ kind: 'text', promptIncludes: 'Critique this photo', fault: { type: 'reset' } });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    const message = (body.error as { code: string; message: string }).message;
    expect(body.error).toMatchObject({ code: 'ANALYSIS_FAILED' });
    expect(message).toMatch(/Gemini closed the connection before answering in full \(gemini-3\.8-flash\): UND_ERR_SOCKET/);
    expect(message).not.toMatch(/unreachable/);
    expect(events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'photo_analysis' });
    // GEMINI_MAX_RETRIES=2: a dropped connection is retried.
    expect(gemini.calls.filter((c) => c.prompt.includes('Critique this photo'))).toHaveLength(3);
  });
});
