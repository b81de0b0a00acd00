import sharp from 'sharp';
import { EngineError } from '../../../src/errors/EngineError';
import { decodeGeneratedImage } from '../../../src/engine/gemini/decodeGeneratedImage';

const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 100_000_000 };
const swatch = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } });

describe('decodeGeneratedImage', () => {
  it('labels a GIF as image/gif and passes its bytes on unchanged', async () => {
    const gif = await swatch().gif().toBuffer();
    expect(await decodeGeneratedImage(gif, limits)).toEqual({ data: gif, mimeType: 'image/gif', width: 64, height: 48 });
  });

  it('turns a TIFF, which browsers cannot show, into a PNG of the same size', async () => {
    const image = await decodeGeneratedImage(await swatch().tiff().toBuffer(), limits);
    expect(image).toMatchObject({ mimeType: 'image/png', width: 64, height: 48 });
    expect((await sharp(image.data).metadata()).format).toBe('png');
  });

  it('holds a converted image to the byte limit too: a small TIFF can make a large PNG', async () => {
    const noise = sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });
    const tiff = await noise.tiff({ compression: 'jpeg' }).toBuffer();
    const maxBytes = 2 * tiff.length;
    await expect(decodeGeneratedImage(tiff, { ...limits, maxBytes })).rejects.toThrow(/^Gemini returned an image too large to pass on: \d+ bytes, over the/);
  });

  it('rejects a JPEG whose header is whole but whose body is cut short', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(decodeGeneratedImage(truncated, limits)).rejects.toThrow('Gemini returned an image that cannot be decoded');
  });

  it('rejects bytes that are not an image', async () => {
    await expect(decodeGeneratedImage(Buffer.from('not an image'), limits)).rejects.toThrow(EngineError);
  });
});
