import sharp from 'sharp';
import { readExif } from '../../src/domain/readExif';
import { chelsea, chelseaWithExif } from '../engine/local/localTestImages';

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
});
