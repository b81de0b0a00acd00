/**
 * Finds a PNG's EXIF (its eXIf chunk) without reading any other chunk, so EXIF can be read from
 * a PNG without exifr: exifr inflates the iCCP chunk of every PNG it parses, with no limit, and
 * a 1.3 MB upload whose iCCP inflates to 1 GB took 1.9 GB of memory.
 */
const SIGNATURE_LENGTH = 8;
/** Length, type, then the data and its CRC. */
const CHUNK_HEAD = 8;
const CRC_LENGTH = 4;

/**
 * The data of `png`'s eXIf chunk (a TIFF-structured EXIF block), or undefined when it has none
 * or its chunks run past the end of the file. Only chunk heads are read: nothing is inflated.
 */
export function pngExifChunk(png: Buffer): Buffer | undefined {
  for (let at = SIGNATURE_LENGTH; at + CHUNK_HEAD <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + CHUNK_HEAD + length;
    if (end > png.length) return undefined;
    if (type === 'eXIf') return png.subarray(at + CHUNK_HEAD, end);
    if (type === 'IEND') return undefined;
    at = end + CRC_LENGTH;
  }
  return undefined;
}
