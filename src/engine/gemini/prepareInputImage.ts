import sharp from 'sharp';
import { EngineError } from '../../errors/EngineError';

/** An image ready to be sent as a Gemini `inlineData` part. */
export interface InlineImage {
  mimeType: string;
  /** Base64. */
  data: string;
  width: number;
  height: number;
}

/**
 * Downscales the upload (of at most `maxPixels` pixels) to at most `maxEdge` px on its longest side and re-encodes it as JPEG:
 * Gemini bills images by tiles, so a 24 MP original costs many more input tokens than a 1.5k
 * version and sees no more. EXIF orientation is applied (the model sees the photo upright)
 * and the metadata is dropped (no GPS position leaves the server).
 */
export async function prepareInputImage(buffer: Buffer, maxEdge: number, maxPixels: number): Promise<InlineImage> {
  try {
    // The uploads' pixel limit, not sharp's default (268 MP): a photo the service accepted must decode.
    const { data, info } = await sharp(buffer, { failOn: 'error', limitInputPixels: maxPixels })
      .rotate()
      .resize({ width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, mozjpeg: false }) // mozjpeg costs 100–190 ms on a 12 MP upload for bytes the model barely notices
      .toBuffer({ resolveWithObject: true });
    return { mimeType: 'image/jpeg', data: data.toString('base64'), width: info.width, height: info.height };
  } catch (error) {
    throw new EngineError('Could not prepare the photo for Gemini (decode/resize failed)', { cause: error });
  }
}
