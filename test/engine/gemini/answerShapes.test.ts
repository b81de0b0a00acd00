/**
 * Answers of the wrong shape, which the SDK passes on unchecked: parts that are not objects,
 * image data that is not a string, image parts whose type says nothing or says it oddly.
 */
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

describe('Gemini engine reading answers of the wrong shape', () => {
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
