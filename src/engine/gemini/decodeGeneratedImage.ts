import sharp from 'sharp';
import { EngineError } from '../../errors/EngineError';
import type { GeneratedImage } from '../ImageEngine';

/** Formats passed on as they came; the client is told their real type, not the part's claim. */
const PASSED_ON: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/**
 * Checks that the bytes of an image-model answer decode in full and labels them by what they are. Any other
 * decodable format (TIFF, HEIF, SVG…) becomes a PNG, which every client can show.
 */
export async function decodeGeneratedImage(data: Buffer): Promise<GeneratedImage> {
  try {
    const meta = await sharp(data).metadata();
    if (!meta.width || !meta.height || !meta.format) throw new Error('no dimensions');
    // The header alone can be whole while the pixels are cut short; a small full decode
    // (shrink-on-load keeps it cheap) finds a truncated or corrupt body.
    await sharp(data, { failOn: 'truncated' }).resize(32, 32, { fit: 'inside' }).raw().toBuffer();
    const mimeType = PASSED_ON[meta.format];
    if (mimeType) return { data, mimeType, width: meta.width, height: meta.height };
    const png = await sharp(data).png().toBuffer({ resolveWithObject: true });
    return { data: png.data, mimeType: 'image/png', width: png.info.width, height: png.info.height };
  } catch (error) {
    throw new EngineError('Gemini returned an image that cannot be decoded', {
      cause: error,
      status: 502,
    });
  }
}
