/**
 * Decodes an uploaded photo once into a small sRGB working copy that measurements and renders
 * share, so N renders of a 12 MP upload do not each decode 12 MP.
 */
import sharp, { type Sharp } from 'sharp';

/** 8-bit, 3-channel sRGB pixels, orientation applied, alpha flattened onto white. */
export interface BaseImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
}

export interface DecodeOptions {
  /** Long edge of the working copy; the photo is never enlarged. */
  maxEdge: number;
  /** Refuse inputs declaring more pixels than this. */
  maxInputPixels: number;
}

/**
 * Decodes `buffer` (untrusted bytes) into a `BaseImage`. Rejects with sharp's error when the
 * bytes are corrupt, truncated or too large; the caller wraps it.
 */
export async function decodeBase(buffer: Buffer, options: DecodeOptions): Promise<BaseImage> {
  // 'truncated' matches the upload validator, so anything the web layer accepted decodes here.
  const { data, info } = await sharp(buffer, {
    failOn: 'truncated',
    limitInputPixels: options.maxInputPixels,
    sequentialRead: true,
  })
    .autoOrient()
    .resize({
      width: options.maxEdge,
      height: options.maxEdge,
      fit: 'inside',
      withoutEnlargement: true,
    })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });

  if (info.channels !== 3) {
    throw new Error(`Expected 3 colour channels after conversion, got ${info.channels}`);
  }
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** A sharp pipeline reading a `BaseImage` (no decode, no limits needed: we made the pixels). */
export function sharpFromBase(base: BaseImage): Sharp {
  return sharp(base.data, {
    raw: { width: base.width, height: base.height, channels: base.channels },
  });
}
