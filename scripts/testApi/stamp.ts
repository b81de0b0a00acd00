/** "[10:42:07.123 +1.234s]" — server time of the event, and time since the upload began. */
export function stamp(iso: string | undefined, since: number): string {
  const date = iso ? new Date(iso) : new Date();
  const clock = date.toTimeString().slice(0, 8) + '.' + String(date.getMilliseconds()).padStart(3, '0');
  return `[${clock} +${((performance.now() - since) / 1000).toFixed(3)}s]`;
}
