import type { Request, Response } from 'express';
import { AppError } from '../errors/AppError';
import type { StoredBinary } from '../store/CouchStore';
import { selectByteRange } from './selectByteRange';

/**
 * Sends stored bytes (an image or an upload). They never change under a URL: cached forever,
 * validated by content hash (`ETag`, answered 304), and served whole or as one byte range
 * (206), or 416 RANGE_NOT_SATISFIABLE for a range past the end.
 */
export function sendBinary(req: Request, res: Response, binary: StoredBinary): void {
  const size = binary.data.length;
  const etag = `"${binary.sha256}"`;
  res.setHeader('ETag', etag);
  // private: these are users' photos; shared caches must not keep them.
  res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  // If-None-Match is evaluated before Range (RFC 9110 §13.2.2): a cached copy needs no bytes.
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const range = selectByteRange(req, size, etag);
  if (range.kind === 'unsatisfiable') {
    // An error answer like the others: JSON, never cached, without this image's validator.
    res.removeHeader('ETag');
    res.removeHeader('Cache-Control');
    throw new AppError('RANGE_NOT_SATISFIABLE', `The range asked for is past the end of the ${size} bytes`, {
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  res.setHeader('Content-Type', binary.mimeType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Accept-Ranges', 'bytes');
  const [status, body] =
    range.kind === 'partial' ? [206, binary.data.subarray(range.start, range.end + 1)] : [200, binary.data];
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  res.setHeader('Content-Length', String(body.length));
  res.status(status).end(req.method === 'HEAD' ? undefined : body);
}
