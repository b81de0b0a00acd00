import sharp from 'sharp';
import { sniffImageFormat } from '../../src/domain/sniffImageFormat';
import { syntheticPhoto } from '../support/images';

/** An ISO-BMFF `ftyp` box with the given brands, followed by filler. */
function ftyp(major: string, compatible: string[]): Buffer {
  const body = Buffer.from(major + '\0\0\0\0' + compatible.join(''), 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from('ftyp'), body, Buffer.alloc(64, 0x5a)]);
}

describe('sniffImageFormat', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const)('names a real %s from its first bytes', async (format) => {
    const bytes = await sharp(await syntheticPhoto({ width: 32, height: 24 })).toFormat(format).toBuffer();
    expect(sniffImageFormat(bytes)).toBe(format);
  });

  it('needs only the signature: a JPEG start followed by garbage is still a JPEG', () => {
    expect(sniffImageFormat(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(100, 0x42)]))).toBe('jpeg');
  });

  it('recognises big-endian TIFF and BigTIFF', () => {
    expect(sniffImageFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(sniffImageFormat(Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]))).toBe('tiff');
  });

  it('tells HEIF from AVIF by the ftyp brands, major or compatible', () => {
    expect(sniffImageFormat(ftyp('heic', ['mif1', 'heic']))).toBe('heif');
    expect(sniffImageFormat(ftyp('mif1', ['avif', 'miaf']))).toBe('avif');
  });

  it('does not take an MP4 video (ftyp without an image brand) for an image', () => {
    expect(sniffImageFormat(ftyp('isom', ['isom', 'iso2', 'mp41']))).toBeUndefined();
  });

  it.each([
    ['text', Buffer.from('hello, not an image')],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['a PDF', Buffer.from('%PDF-1.7\n')],
    ['a lone JPEG start of image (FF D8) without a marker', Buffer.from([0xff, 0xd8, 0x00, 0x00])],
    ['a RIFF file that is not WebP', Buffer.from('RIFF\x10\0\0\0WAVEfmt ', 'latin1')],
    ['an empty buffer', Buffer.alloc(0)],
  ])('finds no supported format in %s', (_name, bytes) => {
    expect(sniffImageFormat(bytes)).toBeUndefined();
  });
});
