import sharp from 'sharp';
import { EngineError } from '../../../src/errors/EngineError';
import { decodeGeneratedImage } from '../../../src/engine/gemini/decodeGeneratedImage';

const swatch = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } });

describe('decodeGeneratedImage', () => {
  it('labels a GIF as image/gif and passes its bytes on unchanged', async () => {
    const gif = await swatch().gif().toBuffer();
    expect(await decodeGeneratedImage(gif)).toEqual({ data: gif, mimeType: 'image/gif', width: 64, height: 48 });
  });

  it('turns a TIFF, which browsers cannot show, into a PNG of the same size', async () => {
    const image = await decodeGeneratedImage(await swatch().tiff().toBuffer());
    expect(image).toMatchObject({ mimeType: 'image/png', width: 64, height: 48 });
    expect((await sharp(image.data).metadata()).format).toBe('png');
  });

  it('rejects a JPEG whose header is whole but whose body is cut short', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(decodeGeneratedImage(truncated)).rejects.toThrow('Gemini returned an image that cannot be decoded');
  });

  it('rejects bytes that are not an image', async () => {
    await expect(decodeGeneratedImage(Buffer.from('not an image'))).rejects.toThrow(EngineError);
  });
});
