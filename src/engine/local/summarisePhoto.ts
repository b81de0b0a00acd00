/**
 * The two-to-three sentence critique, assembled from measurements and scores.
 */
import type { Scores } from '../../domain/schemas';
import { underexposureGain, type ExposureAnalysis } from './exposureAnalysis';
import { isFeatureless } from './isFeatureless';
import { VISIBLE_NOISE } from './measureNoise';
import type { PhotoMetrics } from './PhotoMetrics';

const ASPECT_NAMES: Record<keyof Omit<Scores, 'overall'>, string> = {
  exposure: 'exposure',
  contrast: 'contrast',
  color: 'colour',
  sharpness: 'sharpness',
  composition: 'composition',
};

/** Character sentence, weakest-point sentence, and what the suggested edits address. */
export function summarisePhoto(
  metrics: PhotoMetrics,
  exposure: ExposureAnalysis,
  scores: Scores,
  suggestionTitles: string[],
): string {
  const { tone, colour, sharpness, subject } = metrics;
  const brightness =
    exposure.correctionEv >= 0.5 ? 'dark' : exposure.correctionEv <= -0.5 ? 'bright' : 'well-exposed';
  // A photo that is only too dark is not also flat and muted: judge those at the fixed exposure.
  const gain = underexposureGain(metrics, exposure);
  const contrast = tone.rmsContrast * gain < 0.12 ? 'flat' : tone.rmsContrast > 0.3 ? 'high-contrast' : 'moderately contrasted';
  const palette = colour.isGrayscale ? 'monochrome' : colour.colourfulness * gain < 20 ? 'muted' : colour.colourfulness > 90 ? 'vividly coloured' : 'colour';
  const detail = sharpness.blurIndex >= 0.45 ? 'soft' : sharpness.noise >= VISIBLE_NOISE ? 'grainy' : 'crisp';
  const third = suggestionTitles.length > 0 ? `Try first: ${suggestionTitles.slice(0, 3).map(lower).join('; ')}.` : '';
  if (isFeatureless(metrics)) {
    return [
      `An almost uniform ${brightness} ${palette} frame with no visible detail or subject (overall ${scores.overall.toFixed(1)}/10).`,
      'If that was not the intent, check the lens cap, the focus and the exposure before shooting again.',
      third,
    ]
      .filter(Boolean)
      .join(' ');
  }
  const first =
    `A ${brightness}, ${contrast} ${palette} photo with ${detail} detail and its point of interest ` +
    `${placement(subject.x, subject.y)} (overall ${scores.overall.toFixed(1)}/10).`;

  // A monochrome photo's colour score is a neutral placeholder, neither weakness nor strength.
  const aspects = (Object.keys(ASPECT_NAMES) as Array<keyof typeof ASPECT_NAMES>)
    .filter((k) => !(colour.isGrayscale && k === 'color'))
    .map((k) => ({ k, v: scores[k] }));
  const weakest = aspects.reduce((a, b) => (b.v < a.v ? b : a));
  const strongest = aspects.reduce((a, b) => (b.v > a.v ? b : a));
  const second =
    weakest.v >= 7.5
      ? `It is solid throughout, strongest in ${ASPECT_NAMES[strongest.k]} (${strongest.v.toFixed(1)}).`
      : `Its weakest point is ${ASPECT_NAMES[weakest.k]} (${weakest.v.toFixed(1)}/10), while ${ASPECT_NAMES[strongest.k]} is its strength (${strongest.v.toFixed(1)}).`;
  return [first, second, third].filter(Boolean).join(' ');
}

/** "in the upper right", "at the centre", … */
function placement(x: number, y: number): string {
  const h = x < 0.4 ? 'left' : x > 0.6 ? 'right' : '';
  const v = y < 0.4 ? 'upper' : y > 0.6 ? 'lower' : '';
  if (!h && !v) return 'at the centre';
  if (!v) return `on the ${h}`;
  if (!h) return `in the ${v} middle`;
  return `in the ${v} ${h}`;
}

function lower(title: string): string {
  return title[0].toLowerCase() + title.slice(1);
}
