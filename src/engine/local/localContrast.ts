/**
 * Local contrast (CLAHE) on luma only: sharp equalises a grey copy, and each pixel's channels are
 * scaled by how much its luma changed, so hues survive (CLAHE per channel would shift them).
 */
import sharp from 'sharp';

export interface LocalContrastOptions {
  /** Tile (search window) size in pixels; narrowed to the image where it is smaller. */
  tile: number;
  maxSlope: number;
}

/** Applies CLAHE to the luma of interleaved RGB `data` (width × height) in place. */
export async function applyLocalContrast(
  data: Buffer,
  width: number,
  height: number,
  options: LocalContrastOptions,
): Promise<void> {
  const raw = { width, height, channels: 3 as const };
  // libvips refuses a window larger than the image ("window too large"): a panorama's short
  // edge can be below the tile, and so can either edge of a tiny image.
  const windowWidth = Math.max(1, Math.min(width, options.tile));
  const windowHeight = Math.max(1, Math.min(height, options.tile));
  const grey = await sharp(data, { raw }).toColourspace('b-w').raw().toBuffer();
  // Without the explicit colourspace sharp hands single-band input back as three bands.
  const equalised = await sharp(grey, { raw: { width, height, channels: 1 } })
    .clahe({ width: windowWidth, height: windowHeight, maxSlope: options.maxSlope })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  if (grey.length !== width * height || equalised.length !== grey.length) {
    throw new Error('Unexpected band count from the local-contrast pass');
  }
  for (let p = 0, i = 0; p < grey.length; p++, i += 3) {
    const before = grey[p];
    const after = equalised[p];
    if (before === after) continue;
    if (before === 0) {
      data[i] = data[i + 1] = data[i + 2] = after;
      continue;
    }
    const k = after / before;
    data[i] = Math.min(255, Math.round(data[i] * k));
    data[i + 1] = Math.min(255, Math.round(data[i + 1] * k));
    data[i + 2] = Math.min(255, Math.round(data[i + 2] * k));
  }
}
