import { createHash } from 'node:crypto';
import fs from 'node:fs';
import sharp from 'sharp';
import { inspectPhoto } from '../../src/domain/inspectPhoto';
import { AppError } from '../../src/errors/AppError';
import { HEVC_HEIC_FIXTURE, syntheticPhoto } from '../support/images';
import { pngDeclaring } from '../support/pngDeclaring';
import { createSemaphore } from '../../src/util/createSemaphore';
import { waitUntil } from '../hardening/support/waitUntil';
import { jpegDeclaring, markerOffset } from '../hardening/support/jpegDeclaring';

const limits = { maxPixels: 100_000_000 };

async function expectCode(promise: Promise<unknown>, code: string, status: number) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code, status });
}

describe('inspectPhoto', () => {
  it('detects the format from the bytes and measures the photo', async () => {
    const bytes = await syntheticPhoto({ width: 320, height: 200 });
    const photo = await inspectPhoto(bytes, { ...limits, originalName: 'x.png' });
    expect(photo).toMatchObject({ format: 'jpeg', mimeType: 'image/jpeg', width: 320, height: 200, size: bytes.length, originalName: 'x.png' });
    expect(photo.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('reports display dimensions for a rotated (EXIF orientation 6) JPEG', async () => {
    const bytes = await sharp(await syntheticPhoto({ width: 300, height: 100 })).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const photo = await inspectPhoto(bytes, limits);
    expect([photo.width, photo.height]).toEqual([100, 300]);
  });

  it('reports display dimensions for a transposed (EXIF orientation 5) JPEG: 5 is the first of the turned orientations', async () => {
    const bytes = await sharp(await syntheticPhoto({ width: 300, height: 100 })).withMetadata({ orientation: 5 }).jpeg().toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(5);
    const photo = await inspectPhoto(bytes, limits);
    expect([photo.width, photo.height]).toEqual([100, 300]);
  });

  it('accepts a photo of exactly maxPixels and refuses one a single row bigger with 422, naming its size', async () => {
    const maxPixels = 120 * 80;
    const exact = await syntheticPhoto({ width: 120, height: 80 });
    await expect(inspectPhoto(exact, { maxPixels })).resolves.toMatchObject({ width: 120, height: 80 });

    const oneRowMore = await syntheticPhoto({ width: 120, height: 81 });
    const err = await inspectPhoto(oneRowMore, { maxPixels }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', status: 422 });
    // Refused from the header's declared size, not by the decoder's own pixel limit afterwards.
    expect((err as Error).message).toMatch(/^The image is 120×81 /);
  });

  it.each(['png', 'webp', 'gif', 'tiff', 'avif'] as const)('accepts %s', async (format) => {
    const bytes = await sharp(await syntheticPhoto({ width: 64, height: 48 })).toFormat(format).toBuffer();
    expect((await inspectPhoto(bytes, limits)).format).toBe(format);
  });

  it('rejects text with 415 UNSUPPORTED_MEDIA_TYPE, listing only formats it decodes', async () => {
    await expectCode(inspectPhoto(Buffer.from('hello, not an image'), limits), 'UNSUPPORTED_MEDIA_TYPE', 415);
    const err = await inspectPhoto(Buffer.from('hello, not an image'), limits).catch((e: unknown) => e);
    expect((err as Error).message).toBe('The uploaded file is not a supported image; send JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC');
  });

  it('rejects an SVG with 415: vector input is not a photo', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await expectCode(inspectPhoto(svg, limits), 'UNSUPPORTED_MEDIA_TYPE', 415);
  });

  it('rejects a truncated JPEG with 422 INVALID_IMAGE', async () => {
    const noisy = await sharp({ create: { width: 400, height: 300, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 50 }, background: '#000' } }).jpeg().toBuffer();
    await expectCode(inspectPhoto(noisy.subarray(0, Math.floor(noisy.length * 0.6)), limits), 'INVALID_IMAGE', 422);
  });

  it('rejects a JPEG whose data stops before its image does (an end marker after a cut) with 422, which sharp\'s truncated level lets through', async () => {
    const photo = await syntheticPhoto({ width: 400, height: 300 });
    const cut = Buffer.concat([photo.subarray(0, photo.length >> 1), Buffer.from([0xff, 0xd9])]);
    const err = await inspectPhoto(cut, limits).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', status: 422 });
    expect((err as Error).message).toMatch(/^The image could not be decoded: .*premature end of data segment/);
  });

  it('rejects a JPEG header declaring 9000 × 9000 over one 8 × 8 block of data with 422, not a 81 MP grey photo', async () => {
    const block = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await expectCode(inspectPhoto(jpegDeclaring(block, 9000, 9000), limits), 'INVALID_IMAGE', 422);
  });

  it('accepts a JPEG with a harmless libjpeg warning (stray bytes before a marker), as cameras write them', async () => {
    const photo = await syntheticPhoto({ width: 320, height: 200 });
    const scan = markerOffset(photo, 0xda);
    const stray = Buffer.concat([photo.subarray(0, scan), Buffer.from([0, 1, 2]), photo.subarray(scan)]);
    await expect(sharp(stray, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/extraneous bytes/);
    await expect(inspectPhoto(stray, limits)).resolves.toMatchObject({ format: 'jpeg', width: 320, height: 200 });
  });

  it.each([
    ['JPEG', [0xff, 0xd8, 0xff, 0xe0]],
    ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['WebP', [...Buffer.from('RIFF'), 0x10, 0, 0, 0, ...Buffer.from('WEBP')]],
    ['GIF', [...Buffer.from('GIF89a')]],
    ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
    ['AVIF', [0, 0, 0, 0x1c, ...Buffer.from('ftypavif'), 0, 0, 0, 0, ...Buffer.from('avifmif1miaf')]],
  ])('rejects a %s signature followed by garbage with 422 INVALID_IMAGE, naming the format', async (name, signature) => {
    const garbage = Buffer.from(Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) >>> 13) & 0xff));
    const err = await inspectPhoto(Buffer.concat([Buffer.from(signature), garbage]), limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', status: 422 });
    expect((err as Error).message).toContain(`starts like a ${name} image`);
  });

  it('without a HEIC decoder, rejects a real HEVC-compressed HEIC (an iPhone photo) with 415, saying what to send instead', async () => {
    const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);
    const err = await inspectPhoto(heic, limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    expect((err as Error).message).toMatch(/HEIC photo is HEVC-compressed.*send it as JPEG/);
  });

  it('rejects an MP4 header (ISO-BMFF without an image brand) with 415, not 422', async () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41', 'latin1'), Buffer.alloc(2000, 0x33)]);
    await expectCode(inspectPhoto(mp4, limits), 'UNSUPPORTED_MEDIA_TYPE', 415);
  });

  it('rejects an empty buffer with 422', async () => {
    await expectCode(inspectPhoto(Buffer.alloc(0), limits), 'INVALID_IMAGE', 422);
  });

  it('rejects a PNG declaring 50,000 × 50,000 pixels with 422 before decoding it', async () => {
    const bomb = pngDeclaring(50_000, 50_000);
    const err = await inspectPhoto(bomb, limits).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', status: 422 });
    expect((err as Error).message).toMatch(/50000×50000/);
  });

  describe('decode budget', () => {
    /** A budget of `megapixels` slots, all held until `release` is called. */
    function heldBudget(megapixels: number) {
      const budget = createSemaphore(megapixels);
      let release = () => undefined as void;
      const holding = budget.run(() => new Promise<void>((resolve) => (release = resolve)), undefined, megapixels);
      return { budget, release: () => release(), holding };
    }

    it('checks the bytes only once the photo\'s megapixels are free in the shared budget', async () => {
      const { budget, release, holding } = heldBudget(1);
      const bytes = await syntheticPhoto({ width: 320, height: 200 });
      let settled = false;
      const inspecting = inspectPhoto(bytes, { ...limits, decodeBudget: budget }).finally(() => (settled = true));
      await waitUntil(() => budget.waiting === 1, 'the check decode to wait for the budget');
      expect(settled).toBe(false);
      release();
      await holding;
      await expect(inspecting).resolves.toMatchObject({ width: 320, height: 200 });
      expect(budget.active).toBe(0);
    });

    it('gives up waiting for the budget with the signal\'s reason, not a verdict on the image', async () => {
      const { budget, release, holding } = heldBudget(1);
      const controller = new AbortController();
      const inspecting = inspectPhoto(await syntheticPhoto(), { ...limits, decodeBudget: budget, signal: controller.signal }).catch((e: unknown) => e);
      await waitUntil(() => budget.waiting === 1, 'the check decode to wait for the budget');
      const reason = new Error('request deadline');
      controller.abort(reason);
      expect(await inspecting).toBe(reason);
      expect(budget.waiting).toBe(0);
      release();
      await holding;
    });
  });
});
