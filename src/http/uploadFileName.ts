/** Longest file name kept, in characters (a common file-system limit). */
export const MAX_FILE_NAME_CHARS = 255;

// Control characters, and the bidirectional overrides and isolates that make
// "photo\u202Egpj.exe" display as "photoexe.jpg".
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/**
 * The upload's file name as it is stored and shown: without control or bidi-override characters,
 * trimmed, and cut to `MAX_FILE_NAME_CHARS` keeping its extension; undefined when nothing is left.
 * (busboy has already removed any directory part a client sent.)
 */
export function uploadFileName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const chars = Array.from(raw.replace(UNSAFE, '').trim());
  if (chars.length === 0) return undefined;
  if (chars.length <= MAX_FILE_NAME_CHARS) return chars.join('');
  const dot = chars.lastIndexOf('.');
  const extension = dot > 0 && chars.length - dot <= 16 ? chars.slice(dot) : [];
  return [...chars.slice(0, MAX_FILE_NAME_CHARS - extension.length), ...extension].join('');
}
