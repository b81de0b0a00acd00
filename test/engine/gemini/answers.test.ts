import { EngineError } from '../../../src/errors/EngineError';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import type { Photo } from '../../../src/domain/Photo';
import type { FakeGeminiServer } from '../../support/gemini/createFakeGeminiServer';
import { startGeminiEngine } from '../../support/gemini/startGeminiEngine';
import { makeTestPhoto } from '../../support/gemini/makeTestPhoto';

const suggestion = { title: 'Lift the shadows', description: 'Shows detail.', instruction: 'Lift the shadows by one stop.' };

type Parts = Array<Record<string, unknown>>;

/** A rule body: the default answer with its parts replaced by what `change` makes of them. */
const withParts = (change: (parts: Parts) => unknown) => (_call: unknown, answer: Record<string, unknown>) => {
  const [candidate] = answer.candidates as Array<{ content: { parts: unknown } }>;
  candidate.content.parts = change(candidate.content.parts as Parts);
  return answer;
};

describe('Gemini engine reading bad answers', () => {
  let server: FakeGeminiServer;
  let engine: ImageEngine;
  let close: () => Promise<void>;
  let photo: Photo;

  beforeAll(async () => {
    photo = await makeTestPhoto({ width: 160, height: 120 });
  });
  beforeEach(async () => {
    ({ server, engine, close } = await startGeminiEngine());
  });
  afterEach(() => close());

  const failure = (promise: Promise<unknown>): Promise<EngineError> =>
    promise.then(
      () => {
        throw new Error('expected an EngineError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(EngineError);
        return error as EngineError;
      },
    );

  it('rejects malformed JSON from the analysis model without retrying', async () => {
    server.addRule({ kind: 'text', fault: { type: 'malformedJson' } });
    const error = await failure(engine.analyzePhoto(photo, 4));

    expect(error.message).toMatch(/^Gemini returned an answer that is not valid JSON/);
    expect(error.retryable).toBe(false);
    expect(server.calls).toHaveLength(1);
  });

  it('rejects malformed JSON from the settings model', async () => {
    server.addRule({ kind: 'text', fault: { type: 'malformedJson' } });
    expect((await failure(engine.recommendSettings(photo))).message).toMatch(/^Gemini returned an answer that is not valid JSON/);
  });

  it('rejects JSON that does not match the schema, naming the fields', async () => {
    server.addRule({ kind: 'text', fault: { type: 'schemaMismatch' } });
    const analysisError = await failure(engine.analyzePhoto(photo, 4));
    const settingsError = await failure(engine.recommendSettings(photo));

    expect(analysisError.message).toMatch(/^Gemini returned an answer that does not match the schema \(summary: /);
    expect(settingsError.message).toMatch(/does not match the schema \(aperture: /);
  });

  it('accepts JSON wrapped in a code fence', async () => {
    server.addRule({
      kind: 'text',
      respond: (_call, answer) => {
        const part = (answer.candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0].content.parts[0];
        part.text = `\`\`\`json\n${part.text}\n\`\`\``;
        return answer;
      },
    });
    expect((await engine.recommendSettings(photo)).iso).toBe('200');
  });

  /** Rewrites the text part of every text answer (the default, schema-valid JSON) with `wrap`. */
  const wrapTextAnswers = (wrap: (json: string) => string) =>
    server.addRule({
      kind: 'text',
      respond: (_call, answer) => {
        const part = (answer.candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0].content.parts[0];
        part.text = wrap(part.text);
        return answer;
      },
    });

  it('accepts a ```json block after a sentence of prose', async () => {
    wrapTextAnswers((json) => `Here is the analysis:\n\`\`\`json\n${json}\n\`\`\``);
    expect((await engine.analyzePhoto(photo, 4)).suggestions).toHaveLength(4);
    expect((await engine.recommendSettings(photo)).iso).toBe('200');
  });

  it('accepts a fenced block followed by prose', async () => {
    wrapTextAnswers((json) => `\`\`\`json\n${json}\n\`\`\`\nLet me know if you want a different style.`);
    expect((await engine.recommendSettings(photo)).aperture).toBe('f/4');
  });

  it('accepts a single JSON object embedded in prose without a fence', async () => {
    wrapTextAnswers((json) => `Sure {happy to help}! The settings are ${json} and should suit the light.`);
    expect((await engine.recommendSettings(photo)).shutter_speed).toBe('1/250');
  });

  it('still refuses an answer with no JSON in it, with the not-JSON error', async () => {
    wrapTextAnswers(() => 'I cannot analyse this photo, sorry.');
    const error = await failure(engine.analyzePhoto(photo, 4));
    expect(error.message).toBe('Gemini returned an answer that is not valid JSON ("I cannot analyse this photo, sorry.")');
    expect(error.retryable).toBe(false);
  });

  it('refuses prose holding two JSON objects rather than guess which one was meant', async () => {
    wrapTextAnswers((json) => `Option A: ${json}\nOption B: ${json}`);
    expect((await failure(engine.recommendSettings(photo))).message).toMatch(/^Gemini returned an answer that is not valid JSON/);
  });

  it('checks JSON found in prose against the schema as strictly as a bare answer', async () => {
    server.addRule({
      kind: 'text',
      respond: (_call, answer) => {
        const part = (answer.candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0].content.parts[0];
        part.text = `Here you go:\n\`\`\`json\n${JSON.stringify({ verdict: 'nice photo' })}\n\`\`\``;
        return answer;
      },
    });
    expect((await failure(engine.recommendSettings(photo))).message).toMatch(/^Gemini returned an answer that does not match the schema \(aperture: /);
  });

  it('shortens an over-long suggestion title at a word instead of failing the analysis', async () => {
    const wordy = 'Gently lift the deep shadow areas on the left side of the frame '.repeat(4).trim();
    server.addRule({
      kind: 'text',
      respond: (_call, answer) => {
        const part = (answer.candidates as Array<{ content: { parts: Array<{ text: string }> } }>)[0].content.parts[0];
        const json = JSON.parse(part.text) as { suggestions?: Array<{ title: string }> };
        if (json.suggestions) json.suggestions[0].title = wordy;
        part.text = JSON.stringify(json);
        return answer;
      },
    });
    const analysis = await engine.analyzePhoto(photo, 4);
    const title = analysis.suggestions[0].title;
    expect(wordy.length).toBeGreaterThan(200);
    expect(title.length).toBeLessThanOrEqual(120);
    expect(title.endsWith('…')).toBe(true);
    expect(wordy.startsWith(title.slice(0, -1))).toBe(true);
    // Cut between words, not inside one.
    expect(wordy[title.length - 1]).toBe(' ');
    expect(analysis.suggestions[1].title.length).toBeLessThan(120);
  });

  it('explains a prompt blocked by the safety filters', async () => {
    server.addRule({ fault: { type: 'safetyBlock' } });
    expect((await failure(engine.analyzePhoto(photo, 4))).message).toBe(
      'Gemini returned no answer: the prompt was blocked by Gemini safety filters (SAFETY)',
    );
    expect((await failure(engine.generateImage(photo, suggestion, { index: 1 }))).message).toMatch(
      /^Gemini returned no image: the prompt was blocked by Gemini safety filters \(SAFETY\)/,
    );
  });

  it('explains an image response without an image part, quoting what the model said', async () => {
    server.addRule({ kind: 'image', fault: { type: 'noImage', text: 'I cannot edit faces.' } });
    expect((await failure(engine.generateImage(photo, suggestion, { index: 1 }))).message).toBe(
      'Gemini returned no image (model said: "I cannot edit faces.")',
    );
  });

  it('explains a generated image stopped by the image safety filter', async () => {
    server.addRule({ kind: 'image', fault: { type: 'finishReason', reason: 'IMAGE_SAFETY' } });
    expect((await failure(engine.generateImage(photo, suggestion, { index: 1 }))).message).toBe(
      'Gemini returned no image: the generated image was blocked by Gemini safety filters (finishReason IMAGE_SAFETY)',
    );
  });

  it('explains an answer cut off at the token limit', async () => {
    server.addRule({ kind: 'text', fault: { type: 'finishReason', reason: 'MAX_TOKENS' } });
    expect((await failure(engine.analyzePhoto(photo, 4))).message).toMatch(/cut off at the output token limit \(finishReason MAX_TOKENS\)/);
  });

  it('rejects an image part that is not a decodable image', async () => {
    server.addRule({
      kind: 'image',
      respond: (_call, answer) => {
        const parts = (answer.candidates as Array<{ content: { parts: Array<Record<string, unknown>> } }>)[0].content.parts;
        parts[1] = { inlineData: { mimeType: 'image/png', data: Buffer.from('not a png').toString('base64') } };
        return answer;
      },
    });
    expect((await failure(engine.generateImage(photo, suggestion, { index: 1 }))).message).toBe(
      'Gemini returned an image that cannot be decoded',
    );
  });

  it('retries, then reports, a response body that is not JSON', async () => {
    server.addRule({ kind: 'text', fault: { type: 'malformedBody' } });
    const error = await failure(engine.recommendSettings(photo));

    expect(error.message).toMatch(/^Gemini returned an unreadable response \(gemini-3.8-flash\)/);
    expect(server.calls).toHaveLength(4); // first attempt + DEFAULT_GEMINI_MAX_RETRIES
  });

  // Shapes the SDK passes on unchecked: parts that are not objects, image data that is not a
  // string, image parts whose type says nothing or says it oddly.
  describe('of the wrong shape', () => {
    it.each([
      ['a string', () => 'x'],
      ['[null]', () => [null]],
    ])('reads parts that are %s as an empty answer, not a TypeError', async (_name, parts) => {
      server.addRule({ kind: 'text', respond: withParts(parts) });
      await expect(engine.analyzePhoto(photo, 4)).rejects.toMatchObject({ name: 'EngineError', message: 'Gemini returned an empty answer', status: 502 });
    });

    it.each([
      ['null parts', () => [null]],
      ['image data that is a number', () => [{ inlineData: { mimeType: 'image/png', data: 123 } }]],
      ['image data that is an object', () => [{ inlineData: { mimeType: 'image/png', data: { a: 1 } } }]],
    ])('reads %s as no image, not a TypeError', async (_name, parts) => {
      server.addRule({ kind: 'image', respond: withParts(parts) });
      await expect(engine.generateImage(photo, suggestion, { index: 1 })).rejects.toMatchObject({ name: 'EngineError', message: 'Gemini returned no image', status: 502 });
    });

    it.each([
      ['no mimeType', undefined],
      ['application/octet-stream', 'application/octet-stream'],
      ['IMAGE/JPEG', 'IMAGE/JPEG'],
    ])('takes an image part with %s for what its bytes are', async (_name, mimeType) => {
      server.addRule({
        kind: 'image',
        respond: withParts((parts) => parts.map((p) => (p.inlineData ? { inlineData: { ...p.inlineData, mimeType } } : p))),
      });
      await expect(engine.generateImage(photo, suggestion, { index: 1 })).resolves.toMatchObject({ mimeType: 'image/jpeg', width: 160, height: 120 });
    });

    it('still refuses inline data declared as something other than an image', async () => {
      server.addRule({
        kind: 'image',
        respond: withParts(() => [{ text: 'Here it is.' }, { inlineData: { mimeType: 'text/plain', data: Buffer.from('hello').toString('base64') } }]),
      });
      await expect(engine.generateImage(photo, suggestion, { index: 1 })).rejects.toThrow('Gemini returned no image (model said: "Here it is.")');
    });
  });
});
