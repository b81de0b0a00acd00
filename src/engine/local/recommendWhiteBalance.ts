/**
 * A white-balance setting that would have neutralised the measured colour cast.
 */
import type { ColourMetrics } from './PhotoMetrics';
import { clamp } from './round';

const PRESETS: Array<[string, number]> = [
  ['Tungsten', 3200],
  ['Fluorescent', 4000],
  ['Daylight', 5500],
  ['Cloudy', 6500],
  ['Shade', 7500],
];
/** Cast magnitudes below these are within what scenes naturally have. */
const WARM_DEADBAND = 0.08;
const TINT_DEADBAND = 0.06;
/** Mired shift per unit of relative red−blue cast (calibrated on synthetic casts). */
const MIRED_PER_CAST = 150;

/**
 * "Daylight (5500K)", "Custom (4300K), tint toward magenta", or "Auto (AWB)" when the cast is
 * negligible and the light level gives no better hint.
 */
export function recommendWhiteBalance(colour: ColourMetrics, sceneEv: number): string {
  if (colour.isGrayscale) return 'Auto (AWB) — monochrome photo, white balance does not change it';
  const warm = Math.abs(colour.castWarm) >= WARM_DEADBAND ? colour.castWarm : 0;
  const tint =
    colour.castGreen > TINT_DEADBAND
      ? ', tint toward magenta'
      : colour.castGreen < -TINT_DEADBAND
        ? ', tint toward green'
        : '';
  if (warm === 0) return `${sceneEv >= 10 ? 'Daylight (5500K)' : 'Auto (AWB)'}${tint}`;
  // A warm photo means the camera assumed bluer light than there was: dial a lower Kelvin.
  const mired = 1e6 / 5500 + warm * MIRED_PER_CAST;
  const kelvin = Math.round(clamp(1e6 / mired, 2500, 10000) / 100) * 100;
  const preset = PRESETS.find(([, k]) => Math.abs(k - kelvin) <= 250);
  return `${preset ? `${preset[0]} (${preset[1]}K)` : `Custom (${kelvin}K)`}${tint}`;
}
