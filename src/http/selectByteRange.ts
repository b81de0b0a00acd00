import type { Request } from 'express';

/** What to send of a representation: all of it, one slice (inclusive offsets), or a 416. */
export type ByteRangeChoice = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const FULL: ByteRangeChoice = { kind: 'full' };
const RANGE_SPEC = /^(\d*)[ \t]*-[ \t]*(\d*)$/;

/**
 * The part of a `size`-byte representation whose strong validator is `etag` that a GET asked
 * for with `Range` (RFC 9110 §14). Only one byte range is served (overlapping or adjacent ranges
 * are combined into one, ranges past the end left out): several that stay apart, another unit, a
 * malformed or invalid header (`bytes=5-2`), HEAD, or an `If-Range` that does not name `etag`
 * get the whole body (the server may ignore Range; a date never matches, as these answers
 * carry no Last-Modified). A suffix longer than the representation is all of it (§14.1.3).
 */
export function selectByteRange(req: Request, size: number, etag: string): ByteRangeChoice {
  const header = req.get('Range')?.trim();
  if (req.method !== 'GET' || !header || !/^bytes=/i.test(header)) return FULL;
  const ifRange = req.get('If-Range');
  if (ifRange !== undefined && ifRange.trim() !== etag) return FULL;
  const ranges: { start: number; end: number }[] = [];
  for (const spec of header.slice('bytes='.length).split(',')) {
    const match = RANGE_SPEC.exec(spec.trim());
    if (!match || (match[1] === '' && match[2] === '')) return FULL;
    const [first, last] = [match[1] === '' ? undefined : Number(match[1]), match[2] === '' ? undefined : Number(match[2])];
    if (first === undefined) {
      // A suffix: the last `last` bytes, or all of them when it is longer; `-0` is none.
      if (last! > 0 && size > 0) ranges.push({ start: Math.max(0, size - last!), end: size - 1 });
    } else if (last !== undefined && last < first) {
      return FULL; // invalid (§14.1.1): ignored like a malformed header, not "past the end"
    } else if (first < size) {
      ranges.push({ start: first, end: Math.min(last ?? size - 1, size - 1) });
    }
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  // Overlapping or adjacent ranges are one range, and served as one.
  ranges.sort((a, b) => a.start - b.start);
  const merged = ranges.reduce<{ start: number; end: number }[]>((out, r) => {
    const prev = out.at(-1);
    if (prev && r.start <= prev.end + 1) prev.end = Math.max(prev.end, r.end);
    else out.push({ ...r });
    return out;
  }, []);
  if (merged.length !== 1) return FULL;
  return { kind: 'partial', start: merged[0].start, end: merged[0].end };
}
