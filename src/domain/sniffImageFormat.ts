/**
 * Names the image format a file's magic bytes announce, without decoding anything, so a
 * rejection can tell "not an image we take" (415) from "one of ours, but broken" (422).
 */
import type { PhotoFormat } from './Photo';

/** ISO-BMFF (`ftyp`) brands of still images and image sequences that libheif reads. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

const startsWith = (buffer: Buffer, signature: number[], offset = 0): boolean =>
  buffer.length >= offset + signature.length && signature.every((byte, i) => buffer[offset + i] === byte);

const ascii = (buffer: Buffer, start: number, end: number): string => buffer.toString('latin1', start, end);

/**
 * The supported format whose signature `buffer` starts with, or undefined when it starts with
 * none of them. Only the signature is checked: the rest may be garbage.
 */
export function sniffImageFormat(buffer: Buffer): PhotoFormat | undefined {
  if (startsWith(buffer, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buffer, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (buffer.length >= 12 && ascii(buffer, 0, 4) === 'RIFF' && ascii(buffer, 8, 12) === 'WEBP') return 'webp';
  if (buffer.length >= 6 && (ascii(buffer, 0, 6) === 'GIF87a' || ascii(buffer, 0, 6) === 'GIF89a')) return 'gif';
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (startsWith(buffer, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buffer, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(buffer, [0x49, 0x49, 0x2b, 0x00]) || startsWith(buffer, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  return sniffIsoBmff(buffer);
}

/**
 * AVIF and HEIF share the ISO-BMFF container with MP4 video, so the `ftyp` box's brands decide:
 * the major brand, then the compatible ones (AVIF wins when both families are listed).
 */
function sniffIsoBmff(buffer: Buffer): PhotoFormat | undefined {
  if (buffer.length < 16 || ascii(buffer, 4, 8) !== 'ftyp') return undefined;
  const boxSize = buffer.readUInt32BE(0);
  // A size below the box header or past the file is not an ftyp box we can read brands from.
  const end = boxSize >= 16 && boxSize <= buffer.length ? boxSize : 16;
  const brands = [ascii(buffer, 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(buffer, offset, offset + 4));
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'avif';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heif';
  return undefined;
}
