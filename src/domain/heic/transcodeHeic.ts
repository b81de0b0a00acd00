/**
 * Turns an HEVC HEIC into a JPEG that sharp, and so every engine, can read: decoded by libheif
 * in a worker, encoded at high quality, with the source's colour profile and EXIF kept.
 */
import sharp from 'sharp';
import type { DecodeOptions, HeicDecoder } from './createHeicDecoder';
import { embedJpegMetadata, type JpegMetadata } from './embedJpegMetadata';

/** Near-lossless: the result is the working copy every later stage decodes, never shown as-is. */
const QUALITY = 95;

/** An upright JPEG copy of the photo and its display size. */
export interface TranscodedPhoto {
  jpeg: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes `heic` with `decoder` and encodes it as JPEG. Rejects with the decoder's error, or the
 * signal's reason when `options.signal` aborts first.
 */
export async function transcodeHeic(heic: Buffer, metadata: JpegMetadata, decoder: HeicDecoder, options: DecodeOptions = {}): Promise<TranscodedPhoto> {
  const { signal } = options;
  const image = await decoder.decode(heic, options);
  signal?.throwIfAborted();
  const pixels = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
  // HEIF allows transparency; a photo's working copy is opaque, and white is what viewers show.
  // Flattening costs about four times as much as dropping an alpha that is 255 everywhere.
  const opaque = image.hasAlpha ? pixels.flatten({ background: '#ffffff' }) : pixels.removeAlpha();
  const jpeg = await opaque.jpeg({ quality: QUALITY }).toBuffer();
  return { jpeg: embedJpegMetadata(jpeg, metadata), width: image.width, height: image.height };
}
