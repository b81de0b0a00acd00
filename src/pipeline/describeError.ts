/** The message a client can show; internal details stay in the logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Unknown error';
}
