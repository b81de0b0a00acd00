/** Fractions as the local engine writes them in advice text, one format for every sentence. */

/** A fraction as a whole percentage: 0.466 → "47%". */
export function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
