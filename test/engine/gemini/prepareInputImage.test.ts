import sharp from 'sharp';
import { prepareInputImage } from '../../../src/engine/gemini/prepareInputImage';
import { EngineError } from '../../../src/errors/EngineError';

describe('prepareInputImage', () => {
  let photo: Buffer;
  beforeAll(async () => {
    photo = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#4080c0' } }).jpeg().toBuffer();
  });

  it('downscales to the longest edge asked for, as JPEG in base64', async () => {
    const image = await prepareInputImage(photo, 50, 100_000_000);
    expect(image).toMatchObject({ mimeType: 'image/jpeg', width: 50, height: 25 });
    expect((await sharp(Buffer.from(image.data, 'base64')).metadata()).format).toBe('jpeg');
  });

  it("decodes up to the service's pixel limit, not sharp's own default", async () => {
    // The limit is the one given (MAX_IMAGE_PIXELS): a photo of exactly that many pixels decodes,
    // one over it does not (sharp's default, 268 MP, would refuse a larger accepted photo).
    await expect(prepareInputImage(photo, 50, 200 * 100)).resolves.toMatchObject({ width: 50 });
    await expect(prepareInputImage(photo, 50, 200 * 100 - 1)).rejects.toBeInstanceOf(EngineError);
  });
});
