/**
 * AnalysisAgent's judgement: 0–10 scores with the strengths and issues behind them, every one
 * derived from a measurement (and quoting it), so different photos read differently.
 */
import type { Scores } from '../../domain/schemas';
import { underexposureGain, type ExposureAnalysis } from './exposureAnalysis';
import { isFeatureless } from './isFeatureless';
import { VISIBLE_NOISE } from './measureNoise';
import { pct } from './pct';
import type { PhotoMetrics } from './PhotoMetrics';
import { clamp, round } from './round';

export interface PhotoAssessment {
  scores: Scores;
  strengths: string[];
  issues: string[];
}

/** Ideal RMS contrast band for a photograph. */
const CONTRAST_LOW = 0.17;
const CONTRAST_HIGH = 0.27;
/** Blur index of a crisp photo at our measuring scale. */
const CRISP_BLUR = 0.28;

/** Scores, strengths and issues of a photo from its measurements. */
export function scorePhoto(metrics: PhotoMetrics, exposure: ExposureAnalysis): PhotoAssessment {
  const strengths: string[] = [];
  const issues: string[] = [];
  const exposureScore = scoreExposure(metrics, exposure, strengths, issues);
  // Judged as they will be once the exposure is fixed: darkness alone is the exposure's fault.
  const gain = underexposureGain(metrics, exposure);
  const contrast = scoreContrast(metrics, gain, strengths, issues);
  const color = scoreColour(metrics, gain, strengths, issues);
  const sharpness = scoreSharpness(metrics, strengths, issues);
  const composition = scoreComposition(metrics, strengths, issues);
  const parts = [exposureScore, contrast, color, sharpness, composition];
  const weighted = 0.25 * exposureScore + 0.15 * contrast + 0.15 * color + 0.25 * sharpness + 0.2 * composition;
  // The weakest aspect drags a photo down more than an average would admit.
  const overall = 0.75 * weighted + 0.25 * Math.min(...parts);
  return {
    scores: {
      exposure: score(exposureScore),
      contrast: score(contrast),
      color: score(color),
      sharpness: score(sharpness),
      composition: score(composition),
      overall: score(overall),
    },
    strengths,
    issues,
  };
}

function scoreExposure(m: PhotoMetrics, exposure: ExposureAnalysis, strengths: string[], issues: string[]): number {
  const { median, shadowClipping, highlightClipping } = m.tone;
  const ev = exposure.correctionEv;
  const s =
    10 - 2.2 * Math.abs(ev) - 25 * Math.max(0, shadowClipping - 0.01) - 25 * Math.max(0, highlightClipping - 0.01);
  if (ev >= 0.5) issues.push(`Underexposed by about ${stops(ev)} (median brightness ${pct(median)})`);
  else if (ev <= -0.5) issues.push(`Overexposed by about ${stops(-ev)} (median brightness ${pct(median)})`);
  if (highlightClipping >= 0.02) issues.push(`${pct(highlightClipping)} of the frame is blown to pure white`);
  if (shadowClipping >= 0.02) issues.push(`${pct(shadowClipping)} of the frame is crushed to pure black`);
  if (Math.abs(ev) < 0.5 && highlightClipping < 0.02 && shadowClipping < 0.02) {
    strengths.push(`Well exposed: median brightness ${pct(median)} with no significant clipping`);
  }
  return s;
}

/** Faults and scores use contrast and colour scaled by `gain` (as they will be at a corrected
 *  exposure); the text quotes, and strengths praise, what was measured. */
function scoreContrast(m: PhotoMetrics, gain: number, strengths: string[], issues: string[]): number {
  const { rmsContrast: c, dynamicRange } = m.tone;
  const corrected = c * gain;
  const correctedRange = Math.min(1, dynamicRange * gain);
  let s = 10;
  if (corrected < CONTRAST_LOW) s -= ((CONTRAST_LOW - corrected) / 0.13) * 8;
  if (corrected > CONTRAST_HIGH) s -= ((corrected - CONTRAST_HIGH) / 0.1) * 6;
  if (correctedRange < 0.5) s -= (0.5 - correctedRange) * 6;
  if (corrected < 0.12 || correctedRange < 0.45) {
    issues.push(`Flat tonality: RMS contrast ${c.toFixed(2)}, tones span only ${pct(dynamicRange)} of the range`);
  } else if (c > 0.32) {
    issues.push(`Harsh contrast (RMS ${c.toFixed(2)}) hides detail at both ends`);
  } else if (c >= 0.15) {
    strengths.push(`Good tonal separation (RMS contrast ${c.toFixed(2)}, ${pct(dynamicRange)} of the range used)`);
  }
  return s;
}

function scoreColour(m: PhotoMetrics, gain: number, strengths: string[], issues: string[]): number {
  const { colourfulness: measured, castWarm, castGreen, isGrayscale } = m.colour;
  if (isGrayscale) {
    strengths.push('Monochrome: the picture is carried by tone and shape alone');
    return 7;
  }
  const cf = measured * gain;
  let s = 10;
  if (cf < 30) s -= ((30 - cf) / 30) * 6;
  if (cf > 90) s -= ((cf - 90) / 40) * 5;
  s -= Math.max(0, Math.abs(castWarm) - 0.1) * 12 + Math.max(0, Math.abs(castGreen) - 0.05) * 20;
  const cast = describeCast(castWarm, castGreen);
  if (cast) issues.push(`${cast} colour cast (red−blue ${signed(castWarm)}, green−magenta ${signed(castGreen)})`);
  if (cf < 20) issues.push(`Muted colour (colourfulness ${Math.round(measured)})`);
  else if (measured > 95) issues.push(`Oversaturated colour (colourfulness ${Math.round(measured)})`);
  else if (!cast && measured >= 25) strengths.push(`Natural, lively colour (colourfulness ${Math.round(measured)})`);
  return s;
}

function scoreSharpness(m: PhotoMetrics, strengths: string[], issues: string[]): number {
  const { blurIndex, laplacianVariance, noise } = m.sharpness;
  // Grain reads as fine detail to the blur measures, so it is judged (and charged) on its own.
  const s = 10 - (Math.max(0, blurIndex - CRISP_BLUR) / 0.4) * 10 - clamp((noise - 2.5) / 6, 0, 1) * 6;
  if (isFeatureless(m)) {
    // Sensor noise would read as crisp detail; there is nothing in focus to praise.
    issues.push('No detail to focus on: the frame holds no edges beyond noise');
    return 0;
  }
  if (blurIndex >= 0.45) {
    issues.push(`Soft focus or motion blur (blur index ${blurIndex.toFixed(2)}, edge variance ${Math.round(laplacianVariance)})`);
  } else if (blurIndex < 0.36 && noise < VISIBLE_NOISE) {
    strengths.push(`Crisp detail (blur index ${blurIndex.toFixed(2)})`);
  }
  if (noise >= VISIBLE_NOISE) issues.push(`Visible grain from sensor noise (noise level ${noise.toFixed(1)}; a clean photo measures about 1)`);
  return s;
}

function scoreComposition(m: PhotoMetrics, strengths: string[], issues: string[]): number {
  // Attention finds a "centre" even in a blank frame; there is nothing composed to score.
  if (isFeatureless(m)) {
    issues.push('No subject stands out: the frame is almost uniform');
    return 0;
  }
  const { thirdsDistance, centreDistance, edgeMargin } = m.subject;
  let s = 10 - 14 * Math.max(0, thirdsDistance - 0.06);
  const centred = centreDistance < 0.08;
  // A dead-centre subject is a legitimate (symmetric) choice, just a static one.
  if (centred) s = Math.max(s, 6);
  if (edgeMargin < 0.1) s -= (0.1 - edgeMargin) * 30;
  const where = `subject at ${pct(m.subject.x)} across, ${pct(m.subject.y)} down`;
  if (edgeMargin < 0.08) issues.push(`The subject crowds the frame edge (${where})`);
  else if (thirdsDistance <= 0.08) strengths.push(`The subject sits near a rule-of-thirds point (${where})`);
  else if (centred) strengths.push(`Centred subject gives a calm, symmetric frame (${where})`);
  else issues.push(`The subject falls between the thirds lines and the centre (${where})`);
  return s;
}

/** "Warm", "Cool and green", … or undefined when the cast is within natural range. */
export function describeCast(castWarm: number, castGreen: number): string | undefined {
  const parts: string[] = [];
  if (castWarm >= 0.15) parts.push('warm');
  if (castWarm <= -0.12) parts.push('cool blue');
  if (castGreen >= 0.07) parts.push('green');
  if (castGreen <= -0.07) parts.push('magenta');
  if (parts.length === 0) return undefined;
  const text = parts.join(' and ');
  return text[0].toUpperCase() + text.slice(1);
}

function score(value: number): number {
  return round(clamp(value, 0, 10), 1);
}

function stops(ev: number): string {
  const v = Math.round(ev * 3) / 3;
  return `${Number(v.toFixed(1))} stop${v === 1 ? '' : 's'}`;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
}
