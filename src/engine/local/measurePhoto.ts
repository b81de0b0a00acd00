/**
 * Measures a decoded photo: tone and colour on a ≤512 px copy, focus on a ≤1024 px grey copy,
 * and the subject position from sharp's attention strategy.
 */
import { sharpFromBase, type BaseImage } from './decodeBase';
import { findSubject } from './findSubject';
import { measurePixels } from './measurePixels';
import { measureSharpness } from './measureSharpness';
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
  const { sharpness, grid } = measureSharpness({
    data: grey.data,
    width: grey.info.width,
    height: grey.info.height,
  });
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
