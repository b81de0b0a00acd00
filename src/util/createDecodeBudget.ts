/**
 * The megapixels of uploads being decoded at once across the process. Decoding memory grows
 * with the pixels, not the file: libvips decodes AVIF, GIF, interlaced PNG and progressive JPEG
 * whole (about 17 bytes a pixel for AVIF: a 1 KB, 8000 × 8000 AVIF takes over 1 GB), so without
 * a shared budget every running request could hold that much at once.
 */
import { createSemaphore, type Semaphore } from './createSemaphore';

/**
 * A semaphore of megapixel slots sized to `maxPixels`: one photo of the largest accepted size
 * decodes alone, smaller ones share it. Callers weigh a decode by `decodeWeight`.
 */
export function createDecodeBudget(maxPixels: number): Semaphore {
  return createSemaphore(Math.ceil(maxPixels / 1e6));
}

/** The weight of decoding a `width` × `height` photo in a budget of `createDecodeBudget`: its megapixels. */
export function decodeWeight(width: number, height: number): number {
  return (width * height) / 1e6;
}
