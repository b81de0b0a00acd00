/** A byte count in MB (1024²) with at most one decimal, as the size limits are written: "20", "0.5". */
export function formatMb(bytes: number): string {
  return String(Math.round((bytes / (1024 * 1024)) * 10) / 10);
}
