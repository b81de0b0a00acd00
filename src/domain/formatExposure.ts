/** Exposure values written the way photographers write them. */

/** "f/2.8", "f/11". */
export function formatAperture(n: number): string {
  return `f/${Number(n.toFixed(1))}`;
}

/** "1/125", "1/4", "0.5\"", "2\"" — fractions below 0.3 s, seconds above. */
export function formatShutter(seconds: number): string {
  if (seconds < 0.29) return `1/${Math.round(1 / seconds)}`;
  return `${Number(seconds.toFixed(1))}"`;
}

/** "400". */
export function formatIso(iso: number): string {
  return String(Math.round(iso));
}
