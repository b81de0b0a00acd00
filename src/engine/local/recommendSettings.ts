/**
 * ContentAgent for the local engine: camera settings from exposure-triangle arithmetic on the
 * measured scene brightness (EXIF-anchored when available), the kind of scene and its sharpness.
 */
import type { CameraSettings } from '../../domain/schemas';
import { classifyScene, type SceneKind } from './classifyScene';
import { equivalentFocalLength } from './equivalentFocalLength';
import { analyseExposure, type ExposureAnalysis } from './exposureAnalysis';
import { isFeatureless } from './isFeatureless';
import { isPhoneCamera } from './isPhoneCamera';
import { pct } from './pct';
import {
  APERTURES,
  ISO_VALUES,
  SHUTTER_SPEEDS,
  ev100,
  formatEv,
  snapEv,
  snapToScale,
} from './exposureScales';
import type { PhotoMetrics } from './PhotoMetrics';
import { describeShotWith } from '../../domain/describeShotWith';
import { formatAperture, formatIso, formatShutter } from '../../domain/formatExposure';
import type { ExifSummary } from '../../domain/readExif';
import { recommendWhiteBalance } from './recommendWhiteBalance';
import { clamp } from './round';

/** Blur index above which we blame camera shake or motion and ask for a faster shutter. */
export const SOFT_BLUR_INDEX = 0.45;
/** Highest ISO we recommend before asking for a slower shutter or wider aperture. */
const COMFORT_ISO = 3200;
const MAX_ISO = 12800;

interface Triangle {
  fNumber: number;
  seconds: number;
  iso: number;
  tripod: boolean;
  /** Stops by which these settings still under- (+) or over- (−) expose the scene, after the limits. */
  shortfallEv: number;
}

/** Settings for shooting this scene again, with the photo's own settings in `current`. */
export function recommendSettings(metrics: PhotoMetrics, exif: ExifSummary): CameraSettings {
  const exposure = analyseExposure(metrics, exif);
  const scene = classifyScene(metrics, exif);
  // A blank frame measures as maximally blurred; there is no motion to stop in it.
  const soft = !isFeatureless(metrics) && metrics.sharpness.blurIndex >= SOFT_BLUR_INDEX;
  const fixedAperture = isPhoneCamera(exif) ? exif.fNumber : undefined;
  const triangle = solveTriangle(exposure.sceneEv, scene, equivalentFocalLength(exif), soft, fixedAperture);
  const compensation = snapEv(exposure.correctionEv);
  const settings: CameraSettings = {
    aperture: formatAperture(triangle.fNumber),
    shutter_speed: formatShutter(triangle.seconds),
    iso: formatIso(triangle.iso),
    white_balance: recommendWhiteBalance(metrics.colour, exposure.sceneEv),
    exposure_compensation: Math.abs(compensation) < 0.3 ? '0 EV' : formatEv(compensation),
    reason: explain(metrics, exif, exposure, scene, triangle, soft, compensation, fixedAperture !== undefined),
  };
  const current = describeShotWith(exif);
  if (current) settings.current = current;
  return settings;
}

/**
 * Picks aperture for the scene, shutter for sharpness, then ISO for the light; when ISO would be
 * too high it trades shutter speed down to the handheld limit, then opens the aperture. A camera
 * with `fixedAperture` (a phone) keeps it and balances shutter and ISO alone.
 */
export function solveTriangle(
  sceneEv: number,
  scene: SceneKind,
  focal35: number | undefined,
  soft: boolean,
  fixedAperture?: number,
): Triangle {
  const light = 2 ** sceneEv;
  const dim = sceneEv < 7;
  const bright = sceneEv >= 14;
  let fNumber =
    fixedAperture ??
    (scene === 'subject' ? (dim ? 2 : 2.8) : scene === 'landscape' ? (dim ? 5.6 : bright ? 11 : 8) : dim ? 4 : bright ? 8 : 5.6);
  // Handheld rule: no slower than 1/focal length (35 mm equivalent).
  const handheld = 1 / Math.max(focal35 ?? 50, 30);
  const fastest = scene === 'subject' ? (soft ? 1 / 500 : 1 / 250) : scene === 'general' ? (soft ? 1 / 250 : 1 / 125) : soft ? 1 / 125 : 1 / 60;
  let seconds = Math.min(handheld, fastest);
  let tripod = false;
  const isoFor = (n: number, t: number) => (100 * n * n) / (t * light);

  let iso = isoFor(fNumber, seconds);
  if (iso < 100) {
    seconds = Math.max((fNumber * fNumber) / light, 1 / 8000);
    iso = isoFor(fNumber, seconds);
    if (iso < 100 && fixedAperture === undefined) fNumber = clamp(Math.sqrt(seconds * light), fNumber, 22);
  } else if (iso > COMFORT_ISO) {
    // Subjects move: never slower than 1/125 for them; otherwise the handheld limit.
    const slowest = scene === 'subject' ? Math.min(handheld, 1 / 125) : handheld;
    seconds = clamp((100 * fNumber * fNumber) / (COMFORT_ISO * light), seconds, slowest);
    if (isoFor(fNumber, seconds) > COMFORT_ISO && fixedAperture === undefined) {
      fNumber = clamp(Math.sqrt((COMFORT_ISO * seconds * light) / 100), scene === 'landscape' ? 2.8 : 1.8, fNumber);
    }
    if (isoFor(fNumber, seconds) > MAX_ISO) {
      if (scene === 'landscape') {
        // A landscape holds still: put the camera on a tripod and expose longer instead.
        tripod = true;
        seconds = clamp((100 * fNumber * fNumber) / (800 * light), seconds, 30);
      }
    }
  }
  if (fixedAperture === undefined) fNumber = snapToScale(fNumber, APERTURES);
  seconds = snapToScale(seconds, SHUTTER_SPEEDS);
  iso = snapToScale(clamp(isoFor(fNumber, seconds), 100, MAX_ISO), ISO_VALUES);
  // In near darkness a subject shot handheld can exhaust aperture, shutter and ISO together.
  const shortfallEv = ev100(fNumber, seconds, iso) - sceneEv;
  return { fNumber, seconds, iso, tripod, shortfallEv };
}

/** One sentence: what was measured, and what to set because of it. */
function explain(
  metrics: PhotoMetrics,
  exif: ExifSummary,
  exposure: ExposureAnalysis,
  scene: SceneKind,
  triangle: Triangle,
  soft: boolean,
  compensation: number,
  phone: boolean,
): string {
  const { tone } = metrics;
  const measured = [`median brightness ${pct(tone.median)}`];
  if (tone.shadowClipping >= 0.01) measured.push(`${pct(tone.shadowClipping)} crushed shadows`);
  if (tone.highlightClipping >= 0.01) measured.push(`${pct(tone.highlightClipping)} blown highlights`);
  if (soft) measured.push(`soft detail (blur index ${metrics.sharpness.blurIndex.toFixed(2)})`);
  if (isFeatureless(metrics)) measured.push('no visible detail');
  const source =
    exposure.sceneEvSource === 'exif'
      ? `EXIF ${formatAperture(exif.fNumber!)} · ${formatShutter(exif.exposureTime!)} · ISO ${formatIso(exif.iso!)} puts the scene near EV ${exposure.sceneEv.toFixed(1)}`
      : `that suggests roughly EV ${exposure.sceneEv.toFixed(1)} light`;
  const goal = phone
    ? `(the phone's fixed aperture${scene === 'subject' ? '; its portrait mode blurs the background instead' : ''})`
    : scene === 'subject'
      ? 'to isolate the subject with shallow depth of field'
      : scene === 'landscape'
        ? 'for depth of field across the frame'
        : 'for a balanced depth of field';
  const shutterWhy = soft ? ' fast enough to stop the blur' : '';
  // These settings already include the correction; compensation is for letting the camera meter.
  const comp = Math.abs(compensation) < 0.3 ? '' : ` In an auto mode, dial ${formatEv(compensation)} instead.`;
  const tripod = triangle.tripod ? ' on a tripod' : '';
  return (
    `Measured ${measured.join(', ')}; ${source}, so shoot ${formatAperture(triangle.fNumber)} ${goal}, ` +
    `${formatShutter(triangle.seconds)}${shutterWhy} and ISO ${formatIso(triangle.iso)}${tripod}${shortfall(triangle.shortfallEv)}.${comp}`
  );
}

/** What to do about light the settings cannot reach ("" when they expose the scene). */
function shortfall(ev: number): string {
  // Snapping each setting to its 1/3-stop scale leaves up to half a stop either way.
  if (Math.abs(ev) < 0.5) return '';
  const stops = `${Number(Math.abs(ev).toFixed(1))} stop${Math.abs(ev) >= 1.05 ? 's' : ''}`;
  return ev > 0
    ? `, which is still about ${stops} too dark for this light: add light, or use a tripod and a slower shutter if the subject holds still`
    : `, which is still about ${stops} too bright for this light: use a neutral-density filter`;
}
