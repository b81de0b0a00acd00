/**
 * Test photos: the real fixture, and synthetic ones made with sharp.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** A real photo (the shared fixture, vendored so a clone is self-contained). */
export const FIXTURE_PHOTO = path.resolve(__dirname, '../fixtures/chelsea.png');

/** The fixture photo at 320 px as an HEVC HEIC (an iPhone's format), made with libheif's heif-enc (x265). */
export const HEVC_HEIC_FIXTURE = path.resolve(__dirname, '../fixtures/chelsea-hevc.heic');

/**
 * As an iPhone held upright records it: the photo at 240 px, stored turned 90° anticlockwise
 * with an HEIF rotation (irot) and EXIF Orientation 6 both saying "turn back", a Display P3
 * profile, and EXIF shooting data (f/1.78, 1/120 s, ISO 64). See test/fixtures/README.md.
 */
/** 64 × 48, HEVC with an alpha channel: the left half opaque red, the right half fully transparent. */
export const ALPHA_HEIC_FIXTURE = path.resolve(__dirname, '../fixtures/half-transparent-hevc.heic');

export const ROTATED_HEIC_FIXTURE = path.resolve(__dirname, '../fixtures/chelsea-rotated-hevc.heic');

/** The real photo fixture as a JPEG (what a phone would send). */
export async function realPhotoJpeg(): Promise<Buffer> {
  return sharp(fs.readFileSync(FIXTURE_PHOTO)).jpeg({ quality: 90 }).toBuffer();
}

/** A textured synthetic photo: a gradient with a bright "subject" disc, at a given brightness. */
export async function syntheticPhoto(options: { width?: number; height?: number; brightness?: number; format?: 'jpeg' | 'png' } = {}): Promise<Buffer> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const b = options.brightness ?? 1;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="rgb(${Math.round(40 * b)},${Math.round(90 * b)},${Math.round(160 * b)})"/>
      <stop offset="1" stop-color="rgb(${Math.round(200 * b) % 256},${Math.round(150 * b) % 256},${Math.round(80 * b) % 256})"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.62}" cy="${height * 0.4}" r="${Math.min(width, height) * 0.18}" fill="rgb(${Math.min(255, Math.round(230 * b))},${Math.min(255, Math.round(200 * b))},${Math.min(255, Math.round(180 * b))})"/>
  </svg>`;
  const image = sharp(Buffer.from(svg));
  return options.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 88 }).toBuffer();
}

/** Deterministic "random" bytes (xorshift), so a failure can be replayed. */
export function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
