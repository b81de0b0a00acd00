/**
 * Whether a request's `If-Match` rules it out for a representation whose strong ETag is `etag`
 * (RFC 9110 §13.1.1): present, not `*`, and naming no tag equal to it by strong comparison
 * (a weak `W/"…"` tag never matches). A download resumer sends it to be sure the bytes did not
 * change; without the header nothing is ruled out.
 */
export function ifMatchFails(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = header.trim();
  if (value === '*') return false;
  const tags: readonly string[] = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return !tags.includes(etag);
}
