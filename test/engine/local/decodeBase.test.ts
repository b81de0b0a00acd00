import sharp from 'sharp';
import { decodeBase } from '../../../src/engine/local/decodeBase';
import { chelsea, chelseaJpeg } from './localTestImages';

const options = { maxEdge: 200, maxInputPixels: 1e8 };

describe('decodeBase', () => {
  it('shrinks to the working size as 3-channel sRGB, keeping the aspect ratio', async () => {
    const base = await decodeBase(await chelseaJpeg(), options);
    expect([base.width, base.height, base.channels]).toEqual([200, 133, 3]);
    expect(base.data.length).toBe(200 * 133 * 3);
  });

  it('never enlarges', async () => {
    const base = await decodeBase(await chelsea(), { ...options, maxEdge: 2000 });
    expect([base.width, base.height]).toEqual([451, 300]);
  });

  it('converts 16-bit grayscale to 8-bit RGB', async () => {
    const grey16 = await sharp(await chelsea()).greyscale().toColourspace('grey16').png().toBuffer();
    const base = await decodeBase(grey16, options);
    expect(base.channels).toBe(3);
    expect(base.data.length).toBe(base.width * base.height * 3);
  });

  it('flattens transparency onto white', async () => {
    const transparent = await sharp({ create: { width: 40, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const base = await decodeBase(transparent, options);
    expect([...base.data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('rejects truncated data and images over the pixel limit', async () => {
    const jpeg = await chelseaJpeg();
    await expect(decodeBase(jpeg.subarray(0, jpeg.length >> 1), options)).rejects.toThrow();
    await expect(decodeBase(jpeg, { ...options, maxInputPixels: 1000 })).rejects.toThrow(/pixel limit/i);
  });
});
