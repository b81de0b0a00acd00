/**
 * How far the photo is from a good exposure, and how much light the scene had. Shared by the
 * settings advice, the exposure score and the exposure edit, so they always agree.
 */
import { ev100 } from './exposureScales';
import type { PhotoMetrics } from './PhotoMetrics';
import type { ExifSummary } from '../../domain/readExif';
import { clamp } from './round';
import { toGamma, toLinear } from './srgb';

/** Median brightness (sRGB) of a well exposed average scene: linear 18 % grey. */
export const TARGET_MEDIAN = 0.46;

export interface ExposureAnalysis {
  /** Stops of exposure the photo needed (+ = it was too dark), before snapping. */
  correctionEv: number;
  /** EV at ISO 100 that the scene needs for a good exposure. */
  sceneEv: number;
  /** Where sceneEv came from. */
  sceneEvSource: 'exif' | 'luminance';
  /** EV100 the photo was actually shot at, when EXIF gives all of aperture, shutter and ISO. */
  shotEv?: number;
}

/** Exposure correction and scene brightness for these measurements (and EXIF, if any). */
export function analyseExposure(metrics: PhotoMetrics, exif: ExifSummary): ExposureAnalysis {
  const correctionEv = exposureCorrection(metrics);
  if (exif.fNumber && exif.exposureTime && exif.iso) {
    const shotEv = ev100(exif.fNumber, exif.exposureTime, exif.iso);
    // Under-exposed by k stops means the scene needed k stops more light: a lower EV.
    return { correctionEv, sceneEv: clamp(shotEv - correctionEv, -6, 21), sceneEvSource: 'exif', shotEv };
  }
  // Without EXIF, brightness is the only clue: camera auto-exposure pulls most scenes toward mid
  // grey, so a photo that still came out dark was most likely taken in dim light.
  return { correctionEv, sceneEv: 5 + 9 * metrics.tone.median, sceneEvSource: 'luminance' };
}

/**
 * Stops to add (+) or remove (−) to bring the median to mid grey, pulled back where that would
 * blow highlights, and pushed by clipping at either end. Clamped to ±3 EV.
 */
export function exposureCorrection(metrics: PhotoMetrics): number {
  const { median, p99, shadowClipping, highlightClipping } = metrics.tone;
  let ev = 0.8 * Math.log2(toLinear(TARGET_MEDIAN) / toLinear(clamp(median, 0.02, 0.98)));
  ev += 4 * Math.max(0, shadowClipping - 0.005);
  ev -= 4 * Math.max(0, highlightClipping - 0.005);
  if (ev > 0) {
    // Room left before the brightest 1 % clip.
    const headroom = Math.log2(toLinear(0.98) / toLinear(clamp(p99, 0.02, 1)));
    ev = Math.min(ev, Math.max(headroom, 0.3));
  }
  return clamp(ev, -3, 3);
}

/**
 * How many times brighter (in encoded values) the mid-tones get once an under-exposure is
 * corrected. Contrast and colourfulness are measured in those values, so a photo that is only
 * too dark reads flat and muted until they are scaled by this. 1 for a photo that was not too
 * dark: over-exposure really does squeeze tones and colour into clipping.
 */
export function underexposureGain(metrics: PhotoMetrics, exposure: ExposureAnalysis): number {
  if (exposure.correctionEv <= 0) return 1;
  const median = clamp(metrics.tone.median, 0.02, 0.98);
  return toGamma(Math.min(1, toLinear(median) * 2 ** exposure.correctionEv)) / median;
}
