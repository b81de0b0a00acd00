import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { EngineError } from '../../errors/EngineError';
import { formatMb } from '../../util/formatMb';
import type { GeneratedImage } from '../ImageEngine';

/** Formats passed on as they came; the client is told their real type, not the part's claim. */
const PASSED_ON: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/** The largest generated image passed on to clients (base64, in events and the HTTP answer). */
export interface GeneratedImageLimits {
  /** Bytes of the image file (the service passes MAX_UPLOAD_MB). */
  maxBytes: number;
  /** Declared width × height (the service passes MAX_IMAGE_PIXELS). */
  maxPixels: number;
}

/**
 * Checks that the bytes of an image-model answer are within `limits` and decode in full, and
 * labels them by what they are. Any other decodable format (TIFF, HEIF, SVG…) becomes a PNG,
 * which every client can show.
 */
export async function decodeGeneratedImage(data: Buffer, limits: GeneratedImageLimits): Promise<GeneratedImage> {
  checkBytes(data, limits);
  let meta: Metadata;
  try {
    // sharp's own pixel limit would call a huge header unreadable; ours below says "too large".
    meta = await sharp(data, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height || !meta.format) throw new Error('no dimensions');
  } catch (error) {
    throw undecodable(error);
  }
  // From the header alone: an oversized image is refused without decoding it.
  const pixels = meta.width * meta.height;
  if (pixels > limits.maxPixels) {
    throw tooLarge(`${meta.width}×${meta.height} (${formatMp(pixels)} MP), over the ${formatMp(limits.maxPixels)} MP limit (MAX_IMAGE_PIXELS)`);
  }
  try {
    // The header alone can be whole while the pixels are cut short; a small full decode
    // (shrink-on-load keeps it cheap) finds a truncated or corrupt body.
    await sharp(data, { failOn: 'truncated', limitInputPixels: limits.maxPixels }).resize(32, 32, { fit: 'inside' }).raw().toBuffer();
  } catch (error) {
    throw undecodable(error);
  }
  const mimeType = PASSED_ON[meta.format];
  if (mimeType) return { data, mimeType, width: meta.width, height: meta.height };
  let png: { data: Buffer; info: OutputInfo };
  try {
    png = await sharp(data, { limitInputPixels: limits.maxPixels }).png().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw undecodable(error);
  }
  // A converted image can come out bigger than it went in.
  checkBytes(png.data, limits);
  return { data: png.data, mimeType: 'image/png', width: png.info.width, height: png.info.height };
}

function checkBytes(data: Buffer, limits: GeneratedImageLimits): void {
  if (data.length > limits.maxBytes) {
    throw tooLarge(`${data.length} bytes, over the ${formatMb(limits.maxBytes)} MB limit (MAX_UPLOAD_MB)`);
  }
}

function tooLarge(detail: string): EngineError {
  return new EngineError(`Gemini returned an image too large to pass on: ${detail}`, { status: 502 });
}

function undecodable(cause: unknown): EngineError {
  return new EngineError('Gemini returned an image that cannot be decoded', { cause, status: 502 });
}

/** Megapixels with at most one decimal, as "4" or "1.2". */
function formatMp(pixels: number): string {
  return String(Math.round(pixels / 1e5) / 10);
}
