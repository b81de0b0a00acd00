/**
 * Test images for the local engine, built with sharp from the real fixture or from SVG, and the
 * pixel comparisons the tests use.
 */
import { FIXTURE_PHOTO } from '../../support/images';
import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import type { Photo, PhotoFormat } from '../../../src/domain/Photo';
import type { Suggestion } from '../../../src/domain/schemas';

/** The edit kind of a local-engine suggestion. */
export const kindOf = (s: Suggestion) => (s.recipe as { kind: string }).kind;
/** A written shutter speed in seconds: "1/250" → 0.004, "2\"" → 2. */
export const secondsOf = (t: string) => (t.startsWith('1/') ? 1 / Number(t.slice(2)) : Number.parseFloat(t));

export const CHELSEA = FIXTURE_PHOTO;

/** Wraps bytes as the validated `Photo` the web layer would hand the engine. */
export async function toPhoto(buffer: Buffer): Promise<Photo> {
  const meta = await sharp(buffer).metadata();
  const format = meta.format as PhotoFormat;
  const rotated = (meta.orientation ?? 1) >= 5;
  return {
    buffer,
    decodable: buffer,
    format,
    mimeType: `image/${format}`,
    width: rotated ? meta.height : meta.width,
    height: rotated ? meta.width : meta.height,
    size: buffer.length,
    sha256: createHash('sha256').update(buffer).digest('hex'),
  };
}

const png = (image: Sharp) => image.png().toBuffer();

/** The real fixture photo (a cat, warm indoor light, 451 × 300). */
export const chelsea = () => png(sharp(CHELSEA));
/** Two stops and more under: every value quartered. */
export const darkChelsea = () => png(sharp(CHELSEA).linear(0.25, 0));
/** Heavily over: values lifted and a third of the frame clipped to white. */
export const brightChelsea = () => png(sharp(CHELSEA).linear(1.3, 90));
/** Tones squeezed into the middle third. */
export const flatChelsea = () => png(sharp(CHELSEA).linear(0.35, 100));
/** Gaussian blur, sigma 4. */
export const blurredChelsea = () => png(sharp(CHELSEA).blur(4));
/** A strong blue cast (red down, blue up). */
export const blueChelsea = () => png(sharp(CHELSEA).recomb([[0.6, 0, 0], [0, 0.85, 0], [0.15, 0.15, 1.2]]));
/** Sensor-like grain: every channel value moved by deterministic noise of standard deviation `sd`. */
export async function noisyChelsea(sd = 12): Promise<Buffer> {
  const { data, info } = await sharp(CHELSEA).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let seed = 1;
  // A fixed linear congruential generator: the same grain on every run.
  const uniform = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < data.length; i++) {
    // The sum of four uniforms, rescaled: near-Gaussian with standard deviation `sd`.
    const n = (uniform() + uniform() + uniform() + uniform() - 2) * sd * Math.sqrt(3);
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + n)));
  }
  return png(sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }));
}
/** A single-channel grayscale PNG. */
export const greyChelsea = () => png(sharp(CHELSEA).greyscale().toColourspace('b-w'));
/** A JPEG of the fixture. */
export const chelseaJpeg = (quality = 90) => sharp(CHELSEA).jpeg({ quality }).toBuffer();

/** A plain sky-to-ground gradient with a small red subject whose centre is at (x, y). */
export function subjectAt(x: number, y: number, width = 900, height = 600): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#8fb0d0"/>` +
    `<stop offset="1" stop-color="#556a60"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>` +
    `<circle cx="${width * x}" cy="${height * y}" r="${height * 0.1}" fill="#e03020"/>` +
    `<rect x="${width * x - height * 0.04}" y="${height * (y + 0.09)}" width="${height * 0.08}" height="${height * 0.18}" fill="#303050"/>` +
    `</svg>`;
  return png(sharp(Buffer.from(svg)));
}

/**
 * A neutrally lit scene (grey wall, white card, black box, red, blue and green objects, a little
 * grain) with no fault of its own: the control, and the base for single-fault variants.
 */
export async function neutralScene(): Promise<Buffer> {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="600">' +
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#9a9a9a"/>' +
    '<stop offset="1" stop-color="#4a4a4a"/></linearGradient></defs>' +
    '<rect width="100%" height="100%" fill="url(#g)"/>' +
    '<rect x="80" y="80" width="200" height="260" fill="#e8e8e8"/>' +
    '<rect x="600" y="300" width="180" height="200" fill="#202020"/>' +
    '<circle cx="450" cy="300" r="90" fill="#c04030"/>' +
    '<rect x="330" y="430" width="120" height="90" fill="#3060a0"/>' +
    '<rect x="480" y="90" width="100" height="100" fill="#40a050"/>' +
    '</svg>';
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let seed = 7;
  for (let i = 0; i < data.length; i += 3) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = (seed / 0x7fffffff - 0.5) * 6;
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(data[i + c] + n)));
  }
  return png(sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }));
}

/** A JPEG of the fixture carrying shooting EXIF (Exif IFD) and camera make/model. */
export function chelseaWithExif(
  exif: { fNumber: string; exposure: string; iso: string; focal: string },
  camera = { Make: 'Canon', Model: 'Canon EOS R5' },
): Promise<Buffer> {
  return sharp(CHELSEA)
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: camera,
      IFD2: { FNumber: exif.fNumber, ExposureTime: exif.exposure, ISOSpeedRatings: exif.iso, FocalLength: exif.focal },
    })
    .toBuffer();
}

/**
 * Mean absolute difference per channel value (0..255), after scaling both images to the smaller
 * one's size (at most 512 px wide): comparable across sizes and crops, fine enough for sharpening.
 */
export async function meanAbsoluteDifference(a: Buffer, b: Buffer): Promise<number> {
  const [ma, mb] = await Promise.all([sharp(a).metadata(), sharp(b).metadata()]);
  const width = Math.min(512, ma.width, mb.width);
  const height = Math.round((width * Math.min(ma.height, mb.height)) / Math.min(ma.width, mb.width));
  const sample = (input: Buffer) =>
    sharp(input).resize(width, height, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const [pa, pb] = await Promise.all([sample(a), sample(b)]);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i] - pb[i]);
  return sum / pa.length;
}

/** Mean of (max − min) over pixels: 0 for a gray image. */
export async function meanChroma(input: Buffer): Promise<number> {
  const data = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) {
    sum += Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
  }
  return sum / (data.length / 3);
}
