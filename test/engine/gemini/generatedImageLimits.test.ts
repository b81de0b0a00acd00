/**
 * The size cap on generated images, through the real SDK against the fake Gemini server: an
 * image over the byte or pixel limit is refused (it would travel base64 to every client), the
 * pixel count is read from the header, and an image within both limits is passed on.
 */
import sharp from 'sharp';
import { EngineError } from '../../../src/errors/EngineError';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import type { Photo } from '../../../src/domain/Photo';
import type { FakeGeminiServer } from '../../support/gemini/createFakeGeminiServer';
import { startGeminiEngine } from '../../support/gemini/startGeminiEngine';
import { makeTestPhoto } from '../../support/gemini/makeTestPhoto';
import { pngDeclaring } from '../../support/pngDeclaring';

const suggestion = { title: 'Lift the shadows', description: 'Shows detail.', instruction: 'Lift the shadows by one stop.' };
const flatPng = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#357' } }).png().toBuffer();

describe('Gemini engine limits on generated images', () => {
  let server: FakeGeminiServer;
  let engine: ImageEngine;
  let close: () => Promise<void>;
  let photo: Photo;

  beforeAll(async () => {
    photo = await makeTestPhoto({ width: 160, height: 120 });
  });
  beforeEach(async () => {
    ({ server, engine, close } = await startGeminiEngine({ engine: { maxImageBytes: 512 * 1024, maxImagePixels: 1_000_000 } }));
  });
  afterEach(() => close());

  /** Makes the image model answer with `image` as its only part. */
  const answerWithImage = (image: Buffer, mimeType = 'image/png') =>
    server.addRule({
      kind: 'image',
      respond: (_call, answer) => ({ ...answer, candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType, data: image.toString('base64') } }] }, finishReason: 'STOP' }] }),
    });

  const generationError = async (): Promise<EngineError> => {
    const error = await engine.generateImage(photo, suggestion, { index: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  };

  it('refuses an image with more pixels than maxImagePixels', async () => {
    answerWithImage(await flatPng(1250, 1000));
    expect((await generationError()).message).toBe(
      'Gemini returned an image too large to pass on: 1250×1000 (1.3 MP), over the 1 MP limit (MAX_IMAGE_PIXELS)',
    );
  });

  it('counts the pixels from the header, without decoding the image', async () => {
    // Its body is a few zero bytes: a decode would call it undecodable, not too large.
    answerWithImage(pngDeclaring(40_000, 30_000));
    expect((await generationError()).message).toMatch(/^Gemini returned an image too large to pass on: 40000×30000 \(1200 MP\)/);
  });

  it('refuses an image with more bytes than maxImageBytes', async () => {
    const noisy = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(512 * 1024);
    answerWithImage(noisy, 'image/jpeg');
    expect((await generationError()).message).toBe(
      `Gemini returned an image too large to pass on: ${noisy.length} bytes, over the 0.5 MB limit (MAX_UPLOAD_MB)`,
    );
  });

  it('passes on an image exactly at the pixel limit', async () => {
    const atLimit = await flatPng(1000, 1000);
    answerWithImage(atLimit);
    expect(await engine.generateImage(photo, suggestion, { index: 1 })).toEqual({ data: atLimit, mimeType: 'image/png', width: 1000, height: 1000 });
  });

  it('still refuses a truncated image within the limits as undecodable', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    answerWithImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg');
    expect((await generationError()).message).toBe('Gemini returned an image that cannot be decoded');
  });
});
