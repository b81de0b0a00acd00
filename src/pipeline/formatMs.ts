/** Milliseconds as the seed writes them: a string with two decimals, e.g. "4523.45". */
export function formatMs(ms: number): string {
  return Math.max(0, ms).toFixed(2);
}

/** Milliseconds rounded to 0.1 for timings objects. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
