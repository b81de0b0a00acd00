/**
 * Adds a colour profile and EXIF to a JPEG that has neither, as the APP2 `ICC_PROFILE` and APP1
 * `Exif` segments readers expect. sharp cannot attach a profile given as bytes to an image made
 * from raw pixels, and a transcoded HEIC must keep both: its colours (iPhones shoot Display P3)
 * and its shooting data (the camera-settings advice reads aperture, shutter and ISO from EXIF).
 */

/** What to embed; either may be absent. */
export interface JpegMetadata {
  /** An ICC profile, as stored in the source file. */
  icc?: Buffer;
  /** A TIFF-structured EXIF block, with or without its `Exif\0\0` prefix. */
  exif?: Buffer;
}

const SOI = 0xffd8;
const APP0 = 0xffe0;
const MAX_SEGMENT_DATA = 65533; // a segment's 16-bit length counts itself
const ICC_HEADER = Buffer.from('ICC_PROFILE\0', 'latin1');
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const ICC_CHUNK = MAX_SEGMENT_DATA - ICC_HEADER.length - 2;
const ORIENTATION_TAG = 0x0112;

/**
 * Returns `jpeg` with the metadata inserted after its SOI (and JFIF) segment. The EXIF
 * Orientation is set to 1 ("as stored"): the pixels were decoded with the HEIF rotation already
 * applied, and iPhones record the same rotation in EXIF too, so keeping it would turn the photo
 * twice. EXIF that is malformed or too large for one segment is left out rather than risked.
 */
export function embedJpegMetadata(jpeg: Buffer, metadata: JpegMetadata): Buffer {
  if (jpeg.length < 4 || jpeg.readUInt16BE(0) !== SOI) throw new TypeError('not a JPEG: no SOI marker');
  const segments: Buffer[] = [];
  const tiff = metadata.exif ? uprightTiff(stripExifHeader(metadata.exif)) : undefined;
  if (tiff && EXIF_HEADER.length + tiff.length <= MAX_SEGMENT_DATA) segments.push(segment(0xffe1, EXIF_HEADER, tiff));
  if (metadata.icc?.length) {
    const count = Math.ceil(metadata.icc.length / ICC_CHUNK);
    if (count <= 255) {
      for (let i = 0; i < count; i += 1) {
        const chunk = metadata.icc.subarray(i * ICC_CHUNK, (i + 1) * ICC_CHUNK);
        segments.push(segment(0xffe2, ICC_HEADER, Buffer.from([i + 1, count]), chunk));
      }
    }
  }
  if (segments.length === 0) return jpeg;
  let at = 2;
  if (jpeg.length >= 6 && jpeg.readUInt16BE(2) === APP0) at = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

function segment(marker: number, ...parts: Buffer[]): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(marker, 0);
  header.writeUInt16BE(2 + parts.reduce((n, p) => n + p.length, 0), 2);
  return Buffer.concat([header, ...parts]);
}

function stripExifHeader(exif: Buffer): Buffer {
  return exif.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER) ? exif.subarray(EXIF_HEADER.length) : exif;
}

/** A copy of the TIFF block with IFD0's Orientation set to 1; undefined when it is not TIFF. */
function uprightTiff(tiff: Buffer): Buffer | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = u16(ifd);
  if (ifd + 2 + entries * 12 > tiff.length) return undefined;
  const copy = Buffer.from(tiff);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    if (little) copy.writeUInt16LE(1, entry + 8);
    else copy.writeUInt16BE(1, entry + 8);
  }
  return copy;
}
