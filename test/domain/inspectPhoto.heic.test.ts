import { createHash } from 'node:crypto';
import fs from 'node:fs';
import sharp from 'sharp';
import { createHeicDecoder } from '../../src/domain/heic/createHeicDecoder';
import { inspectPhoto } from '../../src/domain/inspectPhoto';
import { readExif } from '../../src/domain/readExif';
import { AppError } from '../../src/errors/AppError';
import { HEVC_HEIC_FIXTURE, ROTATED_HEIC_FIXTURE } from '../support/images';

describe('inspectPhoto with a HEIC decoder', () => {
  const heicDecoder = createHeicDecoder();
  const options = { maxPixels: 100_000_000, heicDecoder };

  it('accepts an HEVC HEIC: the upload is kept as sent, and a JPEG copy is what engines decode', async () => {
    const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);
    const photo = await inspectPhoto(heic, { ...options, originalName: 'IMG_0001.HEIC' });
    expect(photo).toMatchObject({ format: 'heif', mimeType: 'image/heic', width: 320, height: 213, size: heic.length, originalName: 'IMG_0001.HEIC' });
    expect(photo.buffer).toBe(heic);
    expect(photo.sha256).toBe(createHash('sha256').update(heic).digest('hex'));
    const copy = await sharp(photo.decodable).metadata();
    expect(copy).toMatchObject({ format: 'jpeg', width: 320, height: 213 });
  });

  it('turns an iPhone-style rotated HEIC upright once, keeping its colour profile and shooting data', async () => {
    const heic = fs.readFileSync(ROTATED_HEIC_FIXTURE);
    const source = await sharp(heic).metadata();
    const photo = await inspectPhoto(heic, options);
    expect(photo).toMatchObject({ width: 240, height: 160 });
    const copy = await sharp(photo.decodable).metadata();
    // Upright pixels and an EXIF orientation that no longer asks for another turn.
    expect(copy).toMatchObject({ width: 240, height: 160, orientation: 1, autoOrient: { width: 240, height: 160 } });
    expect(copy.icc?.equals(source.icc!)).toBe(true);
    expect(await readExif(photo.decodable)).toMatchObject({ fNumber: 1.78, exposureTime: 1 / 120, iso: 64, camera: 'Apple iPhone 15 Pro' });
  });

  it('accepts several HEICs inspected at once (sharp’s error text, shared process-wide, decides nothing)', async () => {
    const heic = fs.readFileSync(ROTATED_HEIC_FIXTURE);
    for (let round = 0; round < 3; round += 1) {
      const photos = await Promise.all(Array.from({ length: 4 }, () => inspectPhoto(heic, options)));
      expect(photos.map((p) => [p.width, p.height])).toEqual(Array.from({ length: 4 }, () => [240, 160]));
    }
  });

  it('rejects an HEVC HEIC with corrupt image data with 422 INVALID_IMAGE naming the cause', async () => {
    const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);
    const err = await inspectPhoto(heic.subarray(0, heic.length - 200), options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', status: 422 });
    expect((err as Error).message).toMatch(/^The HEIC photo could not be decoded: the image data is corrupt or truncated/);
  });

  it('refuses a HEIC declaring more pixels than allowed before decoding it', async () => {
    const decoder = createHeicDecoder();
    const decode = jest.spyOn(decoder, 'decode');
    const err = await inspectPhoto(fs.readFileSync(HEVC_HEIC_FIXTURE), { maxPixels: 10_000, heicDecoder: decoder }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringMatching(/320×213/) });
    expect(decode).not.toHaveBeenCalled();
  });

  it('stops with the signal’s reason when the request is stopped mid-decode', async () => {
    const controller = new AbortController();
    const inspecting = inspectPhoto(fs.readFileSync(HEVC_HEIC_FIXTURE), { ...options, signal: controller.signal });
    const reason = new Error('request deadline');
    setTimeout(() => controller.abort(reason), 20);
    await expect(inspecting).rejects.toBe(reason);
  });
});
