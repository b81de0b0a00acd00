/** What was thrown, as text for a log line or a health report (an Error's message, else the value). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
