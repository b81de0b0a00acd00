import sharp from 'sharp';
import { readExif } from '../../src/domain/readExif';
import { chelsea, chelseaWithExif } from '../engine/local/localTestImages';
import { measurePeakRss } from '../support/measurePeakRss';
import { pngWithIccBomb } from '../hardening/support/pngWithIccBomb';

describe('readExif', () => {
  it('reads aperture, shutter, ISO, focal length and camera', async () => {
    const jpeg = await chelseaWithExif({ fNumber: '4/1', exposure: '1/250', iso: '400', focal: '85/1' });
    expect(await readExif(jpeg)).toEqual({
      fNumber: 4,
      exposureTime: 1 / 250,
      iso: 400,
      focalLength: 85,
      camera: 'Canon EOS R5',
    });
  });

  it('returns an empty summary for a photo without EXIF', async () => {
    expect(await readExif(await chelsea())).toEqual({});
    expect(await readExif(await sharp(await chelsea()).jpeg().toBuffer())).toEqual({});
  });

  it('returns an empty summary for bytes that are not an image', async () => {
    expect(await readExif(Buffer.from('not an image at all'))).toEqual({});
    expect(await readExif(Buffer.alloc(0))).toEqual({});
  });

  it('ignores nonsensical values instead of passing them on', async () => {
    const jpeg = await sharp(await chelsea())
      .jpeg()
      .withExif({ IFD0: { Make: 'Acme' }, IFD2: { FNumber: '0/1', ExposureTime: '1/0', ISOSpeedRatings: '200' } })
      .toBuffer();
    expect(await readExif(jpeg)).toEqual({ iso: 200, camera: 'Acme' });
  });

  it('reads the EXIF of a PNG (its eXIf chunk)', async () => {
    const png = await sharp(await chelsea())
      .png()
      .withExif({ IFD0: { Make: 'Acme', Model: 'X1' }, IFD2: { FNumber: '28/10', ExposureTime: '1/60', ISOSpeedRatings: '200' } })
      .toBuffer();
    expect(await readExif(png)).toEqual({ fNumber: 2.8, exposureTime: 1 / 60, iso: 200, camera: 'Acme X1' });
  });

  it('reads a PNG whose ICC profile inflates to 500 MB without inflating it (exifr would take that much memory)', async () => {
    const png = await sharp(await chelsea()).png().withExif({ IFD0: { Make: 'Acme' } }).toBuffer();
    const bomb = await pngWithIccBomb(png, 500);
    expect(bomb.length).toBeLessThan(1_000_000);
    const { result, growthMb } = await measurePeakRss(() => readExif(bomb));
    expect(result).toEqual({ camera: 'Acme' });
    expect(growthMb).toBeLessThan(100);
  });
});
