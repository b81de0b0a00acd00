import type { PhotoMetrics } from './PhotoMetrics';

/** Mean gradient (0..255 scale) below which a frame has no texture for local edits to work on. */
const TEXTURELESS_GRADIENT = 1.5;
/** Tonal span (p99 − p01) below which nothing in the frame stands apart from the rest. */
const UNIFORM_RANGE = 0.1;

/**
 * True when the frame has almost no texture: smooth gradients and flat shapes (a graphic, a
 * sky) as well as blank frames. Sharpening and local contrast have nothing to work on.
 */
export function lacksTexture(metrics: PhotoMetrics): boolean {
  return metrics.sharpness.meanGradient < TEXTURELESS_GRADIENT;
}

/**
 * True for an almost uniform frame — a lens cap left on, a blank wall, a frame far out of
 * focus: no texture and no tone that stands apart, so there is no subject to place and no
 * detail to judge, and advice about them is noise.
 */
export function isFeatureless(metrics: PhotoMetrics): boolean {
  return lacksTexture(metrics) && metrics.tone.dynamicRange < UNIFORM_RANGE;
}
