import sharp from 'sharp';
import { embedJpegMetadata } from '../../../src/domain/heic/embedJpegMetadata';
import { readExif } from '../../../src/domain/readExif';

const SHOT = { IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro' }, IFD2: { FNumber: '178/100', ISOSpeedRatings: '64', ExposureTime: '1/120' } };

async function plainJpeg(width = 60, height = 40): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toBuffer();
}

/** The EXIF (with its Exif\0\0 prefix) and ICC profile sharp reads from a JPEG made with them. */
async function sourceMetadata(orientation: number): Promise<{ exif: Buffer; icc: Buffer }> {
  const tagged = await sharp(await plainJpeg()).withIccProfile('p3').withMetadata({ orientation }).withExif(SHOT).jpeg().toBuffer();
  const meta = await sharp(tagged).metadata();
  return { exif: meta.exif!, icc: meta.icc! };
}

/** A big-endian TIFF block whose IFD0 holds only Orientation = `value`. */
function bigEndianTiffWithOrientation(value: number): Buffer {
  // Header, IFD0 at 8 with one entry (Orientation, SHORT, 1), then no next IFD.
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(value, 18);
  return tiff;
}

describe('embedJpegMetadata', () => {
  it('adds the colour profile and shooting data so sharp and exifr read them back', async () => {
    const { exif, icc } = await sourceMetadata(1);
    const out = embedJpegMetadata(await plainJpeg(), { exif, icc });
    const meta = await sharp(out).metadata();
    expect(meta.icc?.equals(icc)).toBe(true);
    expect(await readExif(out)).toMatchObject({ fNumber: 1.78, iso: 64, camera: 'Apple iPhone 15 Pro' });
    expect(meta).toMatchObject({ width: 60, height: 40 });
  });

  it('sets the EXIF orientation to 1, because the pixels were already turned upright', async () => {
    const { exif } = await sourceMetadata(6);
    expect(exif.includes(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00]))).toBe(true);
    const out = embedJpegMetadata(await plainJpeg(60, 40), { exif });
    const meta = await sharp(out).metadata();
    expect(meta.orientation).toBe(1);
    expect(meta.autoOrient).toEqual({ width: 60, height: 40 });
  });

  it('resets the orientation in big-endian (Motorola) EXIF too', async () => {
    const out = embedJpegMetadata(await plainJpeg(), { exif: bigEndianTiffWithOrientation(8) });
    expect((await sharp(out).metadata()).orientation).toBe(1);
  });

  it('takes EXIF as a bare TIFF block (as libvips reads it from HEIF) or with its Exif\\0\\0 prefix (as from JPEG)', async () => {
    const { exif } = await sourceMetadata(1);
    expect(exif.subarray(0, 6).toString('latin1')).toBe('Exif\0\0');
    const bare = exif.subarray(6);
    for (const block of [exif, bare]) {
      expect(await readExif(embedJpegMetadata(await plainJpeg(), { exif: block }))).toMatchObject({ fNumber: 1.78 });
    }
  });

  it('splits a profile larger than one segment across numbered APP2 segments', async () => {
    const { icc } = await sourceMetadata(1);
    // A valid profile padded with trailing bytes: its header's size field still says the original size.
    const big = Buffer.concat([icc, Buffer.alloc(150_000, 7)]);
    const out = embedJpegMetadata(await plainJpeg(), { icc: big });
    const segments = countMarkers(out, 0xffe2);
    expect(segments).toBe(3);
    expect((await sharp(out).metadata()).icc?.equals(big)).toBe(true);
  });

  it('leaves out EXIF that is not a TIFF block instead of writing something readers may misread', async () => {
    const jpeg = await plainJpeg();
    expect(embedJpegMetadata(jpeg, { exif: Buffer.from('not exif at all') })).toEqual(jpeg);
    expect(embedJpegMetadata(jpeg, { exif: Buffer.from('MM\0\x2a\xff\xff\xff\xff', 'latin1') })).toEqual(jpeg);
  });

  it('returns the JPEG unchanged when there is nothing to add', async () => {
    const jpeg = await plainJpeg();
    expect(embedJpegMetadata(jpeg, {})).toBe(jpeg);
  });

  it('refuses bytes that are not a JPEG', () => {
    expect(() => embedJpegMetadata(Buffer.from('hello'), {})).toThrow(/not a JPEG/);
  });
});

/** How many segments with `marker` precede the image data. */
function countMarkers(jpeg: Buffer, marker: number): number {
  let count = 0;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    if (jpeg.readUInt16BE(at) === marker) count += 1;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return count;
}
