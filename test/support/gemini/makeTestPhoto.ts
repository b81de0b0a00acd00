import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Photo, PhotoFormat } from '../../../src/domain/Photo';

/** Wraps image bytes as the validated `Photo` the engines receive. */
export async function photoFromBuffer(buffer: Buffer): Promise<Photo> {
  const meta = await sharp(buffer).metadata();
  const format = meta.format as PhotoFormat;
  return {
    buffer,
    decodable: buffer,
    format,
    mimeType: `image/${format}`,
    width: meta.autoOrient?.width ?? meta.width ?? 0,
    height: meta.autoOrient?.height ?? meta.height ?? 0,
    size: buffer.length,
    sha256: createHash('sha256').update(buffer).digest('hex'),
  };
}

/** A synthetic JPEG photo (gradient-free, but with a subject block so edits are visible). */
export async function makeTestPhoto(options: { width?: number; height?: number; exif?: Record<string, Record<string, string>> } = {}): Promise<Photo> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const subject = await sharp({
    create: { width: Math.round(width / 3), height: Math.round(height / 3), channels: 3, background: { r: 200, g: 60, b: 40 } },
  })
    .png()
    .toBuffer();
  let image = sharp({ create: { width, height, channels: 3, background: { r: 70, g: 110, b: 160 } } })
    .composite([{ input: subject, left: Math.round(width / 3), top: Math.round(height / 3) }])
    .jpeg({ quality: 85 });
  if (options.exif) image = image.withExif(options.exif);
  return photoFromBuffer(await image.toBuffer());
}
