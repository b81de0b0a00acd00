/**
 * An SVG radial gradient from clear to black, composited over a render to darken its corners.
 */

/** SVG overlay of `width` × `height` darkening the edges by up to `strength`, centred at (x, y). */
export function vignetteOverlay(width: number, height: number, strength: number, x: number, y: number): Buffer {
  const cx = (x * 100).toFixed(1);
  const cy = (y * 100).toFixed(1);
  // Radius grows with the distance from the centre to the farthest corner, so corners always darken.
  const r = (Math.hypot(Math.max(x, 1 - x), Math.max(y, 1 - y)) * 100).toFixed(1);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><radialGradient id="v" cx="${cx}%" cy="${cy}%" r="${r}%">` +
      `<stop offset="45%" stop-color="#000" stop-opacity="0"/>` +
      `<stop offset="100%" stop-color="#000" stop-opacity="${strength.toFixed(3)}"/>` +
      `</radialGradient></defs><rect width="100%" height="100%" fill="url(#v)"/></svg>`,
  );
}
