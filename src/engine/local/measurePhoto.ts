/**
 * Measures a decoded photo: tone and colour on a ≤512 px copy, focus on a ≤1024 px grey copy,
 * and the subject position from sharp's attention strategy.
 */
import sharp from 'sharp';
import { sharpFromBase, type BaseImage } from './decodeBase';
import { findSubject } from './findSubject';
import { measurePixels } from './measurePixels';
import { measureSharpness, type GreyPixels } from './measureSharpness';
import { VISIBLE_NOISE } from './measureNoise';
import type { PhotoMetrics } from './PhotoMetrics';
import { round } from './round';

/** Long edge of the copy used for tone, colour and attention. */
const TONE_EDGE = 512;
/** Long edge of the grey copy used for focus: large enough that softness is still visible. */
const DETAIL_EDGE = 1024;

/** All measurements of `base`. Deterministic for the same pixels. */
export async function measurePhoto(base: BaseImage): Promise<PhotoMetrics> {
  const resize = { fit: 'inside', withoutEnlargement: true } as const;
  const [small, grey] = await Promise.all([
    sharpFromBase(base)
      .resize({ width: TONE_EDGE, height: TONE_EDGE, ...resize })
      .raw()
      .toBuffer({ resolveWithObject: true }),
    sharpFromBase(base)
      .resize({ width: DETAIL_EDGE, height: DETAIL_EDGE, ...resize })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const rgb = { data: small.data, width: small.info.width, height: small.info.height };
  const { tone, colour } = measurePixels(rgb);
  const greyPixels = { data: grey.data, width: grey.info.width, height: grey.info.height };
  const measured = measureSharpness(greyPixels);
  const { sharpness, grid } = measured.sharpness.noise >= VISIBLE_NOISE ? await withDetailOfSmoothed(greyPixels, measured) : measured;
  const subject = await findSubject(rgb, grid);
  return {
    width: base.width,
    height: base.height,
    aspect: round(base.width / base.height, 4),
    tone,
    colour,
    sharpness,
    subject,
  };
}

/**
 * Grain is detail everywhere: it flattens the contrast between a sharp subject and a soft
 * background, and a noisy portrait read as a landscape (f/8 for a cat). Where the subject and
 * the detail lie is therefore measured on a median-filtered copy; focus, blur and noise keep
 * their readings of the photo as it is.
 */
async function withDetailOfSmoothed(grey: GreyPixels, measured: ReturnType<typeof measureSharpness>): Promise<ReturnType<typeof measureSharpness>> {
  const size = measured.sharpness.noise >= 7 ? 5 : 3;
  const smoothed = await sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
    .median(size)
    .raw()
    .toBuffer();
  const detail = measureSharpness({ ...grey, data: smoothed });
  const { meanGradient, detailSpread, upperDetailRatio } = detail.sharpness;
  return { sharpness: { ...measured.sharpness, meanGradient, detailSpread, upperDetailRatio }, grid: detail.grid };
}
