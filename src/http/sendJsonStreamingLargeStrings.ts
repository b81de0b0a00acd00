import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

/** Strings at least this long that are plain base64 are written to the socket on their own. */
const LARGE_STRING = 32 * 1024;
/** Base64 needs no JSON escaping, so such a string's JSON form is the string in quotes. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Answers with `value` as JSON — the same bytes and headers as `res.json(value)` — but writes its
 * large base64 strings (the generated images, hundreds of KB each) to the socket one by one.
 * `res.json` first builds one string of the whole body and then a Buffer copy of it: with several
 * requests finishing at once, those two copies of every image were part of the memory peak.
 */
export function sendJsonStreamingLargeStrings(res: Response, value: unknown): void {
  const large: string[] = [];
  // A fresh token per response: no string the value carries can contain it.
  const token = `@@large-string-${randomUUID()}@@`;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && v.length >= LARGE_STRING && BASE64.test(v)) {
      large.push(v);
      return token;
    }
    return v;
  });
  // Each token sits inside its own quotes, which stay in the pieces around it.
  const pieces = text.split(token);
  const length = pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0) + large.reduce((sum, s) => sum + s.length, 0);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(length));
  for (let i = 0; i < large.length; i += 1) {
    res.write(pieces[i]);
    res.write(large[i], 'latin1');
  }
  res.end(pieces[large.length]);
}
