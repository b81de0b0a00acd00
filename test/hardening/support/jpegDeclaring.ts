/**
 * Hand edits of a JPEG's segments, for hostile-input tests: find a marker, and rewrite the
 * frame header's dimensions while leaving the data as it is.
 */

/** Where the JPEG segment with `marker` (0xda: start of scan; 0xc0: baseline frame header) begins. */
export function markerOffset(jpeg: Buffer, marker: number): number {
  for (let at = 2; at + 4 <= jpeg.length; at += 2 + jpeg.readUInt16BE(at + 2)) {
    if (jpeg[at] === 0xff && jpeg[at + 1] === marker) return at;
  }
  throw new Error(`no marker 0x${marker.toString(16)}`);
}

/** `jpeg` (baseline) with its frame header declaring `width` × `height`, the data unchanged. */
export function jpegDeclaring(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const frame = markerOffset(out, 0xc0);
  // After the marker, the segment length and the sample precision: height, then width.
  out.writeUInt16BE(height, frame + 5);
  out.writeUInt16BE(width, frame + 7);
  return out;
}
