import type { Request } from 'express';

/** What to send of a representation: all of it, one slice (inclusive offsets), or a 416. */
export type ByteRangeChoice = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: ByteRangeChoice = { kind: 'full' };

/**
 * The part of a `size`-byte representation whose strong validator is `etag` that a GET asked
 * for with `Range` (RFC 9110 §14). Only one byte range is served: several, another unit, a
 * malformed header, HEAD, or an `If-Range` that does not name `etag` get the whole body (the
 * server may ignore Range; a date never matches, as these answers carry no Last-Modified).
 */
export function selectByteRange(req: Request, size: number, etag: string): ByteRangeChoice {
  const header = req.get('Range');
  if (req.method !== 'GET' || !header || !/^bytes=/i.test(header.trim())) return FULL;
  const ifRange = req.get('If-Range');
  if (ifRange !== undefined && ifRange.trim() !== etag) return FULL;
  // `combine`: overlapping or adjacent ranges are one range, and served as one.
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return { kind: 'unsatisfiable' };
  if (ranges === undefined || ranges === -2 || ranges.length !== 1) return FULL;
  return { kind: 'partial', start: ranges[0].start, end: ranges[0].end };
}
