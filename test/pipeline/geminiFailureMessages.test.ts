/**
 * The wording of every Gemini failure a client of POST /process-image sees: an analysis
 * failure reads "<stage> failed: Gemini <what happened>" whether the call failed or the answer
 * was unusable, and a failed image's `error` is the "Gemini <what happened>" part alone (its
 * event's message says which image failed).
 */
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createFakeGeminiServer, FAKE_SUGGESTION_TITLES, type FakeGeminiFault, type FakeGeminiServer } from '../support/gemini/createFakeGeminiServer';
import { processImageOverWs } from '../support/gemini/processImageOverWs';

jest.setTimeout(60_000);

describe('Gemini failure messages on POST /process-image', () => {
  let gemini: FakeGeminiServer;
  let service: TestService;
  let photo: Buffer;

  beforeAll(async () => {
    photo = await realPhotoJpeg();
    gemini = await createFakeGeminiServer({ apiKey: 'messages-key' });
    service = await startTestService({
      ENGINE: 'gemini',
      GEMINI_API_KEY: 'messages-key',
      GEMINI_BASE_URL: gemini.url,
      GEMINI_MAX_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await service?.close();
    await gemini?.close();
  });
  beforeEach(() => gemini.reset());

  const analysisFailure = async (promptIncludes: string, fault: FakeGeminiFault): Promise<string> => {
    gemini.reset();
    gemini.addRule({ kind: 'text', promptIncludes, fault });
    const { status, body } = await processImageOverWs(service, photo);
    expect(status).toBe(502);
    const error = body.error as { code: string; message: string };
    expect(error.code).toBe('ANALYSIS_FAILED');
    return error.message;
  };

  it('words a failed call and an unusable answer of the same agent the same way: "<stage> failed: Gemini …"', async () => {
    const critique = 'Critique this photo';
    expect(await analysisFailure(critique, { type: 'status', status: 429 })).toMatch(/^Photo analysis failed: Gemini rate limit or quota exceeded \(429 /);
    expect(await analysisFailure(critique, { type: 'malformedJson' })).toMatch(/^Photo analysis failed: Gemini returned an answer that is not valid JSON \("/);
    expect(await analysisFailure(critique, { type: 'schemaMismatch' })).toMatch(/^Photo analysis failed: Gemini returned an answer that does not match the schema \(/);
    expect(await analysisFailure(critique, { type: 'safetyBlock' })).toBe(
      'Photo analysis failed: Gemini returned no answer: the prompt was blocked by Gemini safety filters (SAFETY)',
    );
  });

  it('names the camera settings stage as the pipeline does, not the engine\'s "content analysis"', async () => {
    const notCritique = (fault: FakeGeminiFault) => {
      gemini.reset();
      gemini.addRule({ kind: 'text', when: (call) => !call.prompt.includes('Critique this photo'), fault });
      return processImageOverWs(service, photo);
    };
    const failedCall = await notCritique({ type: 'status', status: 503 });
    expect((failedCall.body.error as { message: string }).message).toMatch(/^Camera settings analysis failed: Gemini server error \(503 /);
    const badAnswer = await notCritique({ type: 'malformedJson' });
    expect((badAnswer.body.error as { message: string }).message).toMatch(/^Camera settings analysis failed: Gemini returned an answer that is not valid JSON/);
    expect(badAnswer.events.at(-1)).toMatchObject({ type: 'processing_error', stage: 'content_analysis' });
  });

  it('gives each failed image an error that says what Gemini did, in the same form as a failed call', async () => {
    const notAnImage = Buffer.from('not an image').toString('base64');
    const titles = FAKE_SUGGESTION_TITLES.slice(0, 4);
    gemini.addRule({ kind: 'image', promptIncludes: titles[0], fault: { type: 'status', status: 500 } });
    gemini.addRule({ kind: 'image', promptIncludes: titles[1], fault: { type: 'noImage', text: 'I cannot edit faces.' } });
    gemini.addRule({ kind: 'image', promptIncludes: titles[2], fault: { type: 'safetyBlock' } });
    gemini.addRule({
      kind: 'image',
      promptIncludes: titles[3],
      respond: (_call, answer) => ({ ...answer, candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: notAnImage } }] }, finishReason: 'STOP' }] }),
    });
    const { status, body, events } = await processImageOverWs(service, photo);

    expect(status).toBe(502);
    const errors = (body.images as Array<{ error?: string }>).map((i) => i.error);
    expect(errors).toEqual([
      expect.stringMatching(/^Gemini server error \(500 INTERNAL, /),
      'Gemini returned no image (model said: "I cannot edit faces.")',
      'Gemini returned no image: the prompt was blocked by Gemini safety filters (SAFETY)',
      'Gemini returned an image that cannot be decoded',
    ]);
    const failed = events.filter((e) => e.type === 'individual_image_error').sort((a, b) => Number(a.imageIndex) - Number(b.imageIndex));
    expect(failed.map((e) => e.message)).toEqual(errors.map((error, i) => `Image ${i + 1}/4 failed: ${titles[i]} - ${error}`));
  });
});
