/**
 * The standard 1/3-stop scales cameras offer, snapping to them, and formatting as
 * photographers write settings ("f/2.8", "1/125", "0.5\"", "+0.7 EV").
 */

/** Marked apertures, f/1.4 … f/22, in 1/3 stops. */
export const APERTURES = [
  1.4, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3.2, 3.5, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9, 10, 11, 13, 14, 16, 18, 20, 22,
];

/** Marked shutter speeds in seconds, 1/8000 s … 30 s, in 1/3 stops. */
export const SHUTTER_SPEEDS = [
  ...[8000, 6400, 5000, 4000, 3200, 2500, 2000, 1600, 1250, 1000, 800, 640, 500, 400, 320, 250, 200, 160, 125, 100,
    80, 60, 50, 40, 30, 25, 20, 15, 13, 10, 8, 6, 5, 4].map((d) => 1 / d),
  0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.3, 1.6, 2, 2.5, 3.2, 4, 5, 6, 8, 10, 13, 15, 20, 25, 30,
];

/** ISO 100 … 25600 in 1/3 stops. */
export const ISO_VALUES = [
  100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 2000, 2500, 3200, 4000, 5000, 6400, 8000,
  10000, 12800, 16000, 20000, 25600,
];

/** The value of `scale` nearest to `value` in stops (log space). Ties go to the smaller value. */
export function snapToScale(value: number, scale: readonly number[]): number {
  let best = scale[0];
  let bestDistance = Infinity;
  for (const candidate of scale) {
    const distance = Math.abs(Math.log2(candidate / value));
    if (distance < bestDistance - 1e-9) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Snaps to 1/3 EV and formats: "+0.7 EV", "-1.3 EV", "0 EV". */
export function formatEv(ev: number): string {
  const thirds = Math.round(ev * 3);
  if (thirds === 0) return '0 EV';
  const whole = Math.trunc(thirds / 3);
  const rest = Math.abs(thirds % 3);
  const magnitude = Math.abs(whole) + (rest === 1 ? 0.3 : rest === 2 ? 0.7 : 0);
  return `${thirds > 0 ? '+' : '-'}${Number(magnitude.toFixed(1))} EV`;
}

/** Snaps `ev` to the nearest 1/3 stop. */
export function snapEv(ev: number): number {
  return Math.round(ev * 3) / 3;
}

/** EV at ISO 100 of the exposure (N, t, ISO): log2(N²/t) − log2(ISO/100). */
export function ev100(fNumber: number, seconds: number, iso: number): number {
  return Math.log2((fNumber * fNumber) / seconds) - Math.log2(iso / 100);
}
