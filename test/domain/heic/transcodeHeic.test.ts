import fs from 'node:fs';
import sharp from 'sharp';
import { createHeicDecoder } from '../../../src/domain/heic/createHeicDecoder';
import { transcodeHeic } from '../../../src/domain/heic/transcodeHeic';
import { ALPHA_HEIC_FIXTURE, HEVC_HEIC_FIXTURE } from '../../support/images';

/** The RGB of the pixel at (x, y) of a JPEG. */
async function pixelAt(jpeg: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at], data[at + 1], data[at + 2]];
}

describe('transcodeHeic', () => {
  const decoder = createHeicDecoder();

  it('flattens a transparent HEIC onto white, keeping its opaque part', async () => {
    const { jpeg, width, height } = await transcodeHeic(fs.readFileSync(ALPHA_HEIC_FIXTURE), {}, decoder);
    expect([width, height]).toEqual([64, 48]);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', channels: 3, hasAlpha: false });
    const [opaque, transparent] = await Promise.all([pixelAt(jpeg, 8, 24), pixelAt(jpeg, 56, 24)]);
    for (const [value, expected] of opaque.map((v, i) => [v, [220, 40, 30][i]])) expect(Math.abs(value - expected)).toBeLessThan(16);
    for (const value of transparent) expect(value).toBeGreaterThan(240);
  });

  it('copies an opaque HEIC as a three-channel JPEG of the same size', async () => {
    const { jpeg, width, height } = await transcodeHeic(fs.readFileSync(HEVC_HEIC_FIXTURE), {}, decoder);
    expect([width, height]).toEqual([320, 213]);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 213, channels: 3 });
  });

  it('tells whether the decoded photo has alpha, so opaque photos skip flattening', async () => {
    const [opaque, transparent] = await Promise.all([decoder.decode(fs.readFileSync(HEVC_HEIC_FIXTURE)), decoder.decode(fs.readFileSync(ALPHA_HEIC_FIXTURE))]);
    expect([opaque.hasAlpha, transparent.hasAlpha]).toEqual([false, true]);
  });
});
