import type { PhotoMetrics } from './PhotoMetrics';

/** Mean gradient (0..255 scale) below which a frame has no texture for local edits to work on. */
const TEXTURELESS_GRADIENT = 1.5;
/** Tonal span (p99 − p01) below which a frame is one flat tone: 3 % of the range (~8 levels). */
const UNIFORM_RANGE = 0.03;
/** Detail spread (busiest tenth over quietest) below which nothing stands out from the rest. */
const EVEN_DETAIL = 1.3;

/**
 * True for an almost uniform frame — a lens cap left on, a blank wall: one flat tone, and
 * whatever detail there is (sensor noise) spread evenly, so there is no subject to place and
 * nothing to judge focus by. A very dark or foggy photo still has a subject where its detail
 * gathers, and a starry sky its stars, so neither counts.
 */
export function isFeatureless(metrics: PhotoMetrics): boolean {
  return metrics.tone.dynamicRange < UNIFORM_RANGE && metrics.sharpness.detailSpread < EVEN_DETAIL;
}

/**
 * True when the frame has no texture for sharpening or local contrast to work on: smooth
 * gradients and flat shapes (a graphic, a clear sky) as well as featureless frames.
 */
export function lacksTexture(metrics: PhotoMetrics): boolean {
  return metrics.sharpness.meanGradient < TEXTURELESS_GRADIENT || isFeatureless(metrics);
}
