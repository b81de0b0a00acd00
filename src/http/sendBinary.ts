import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { AppError } from '../errors/AppError';
import type { Logger } from '../logging/Logger';
import type { ByteSpan } from '../store/CouchStore';
import { errorMessage } from '../util/errorMessage';
import { ifMatchFails } from './ifMatchFails';
import { selectByteRange } from './selectByteRange';

/** Bytes to send: what the headers say, known before the bytes are read, and how to read them. */
export interface BinaryToSend {
  mimeType: string;
  /** Hex SHA-256 of the bytes (the ETag). */
  sha256: string;
  size: number;
  /**
   * The bytes of `span`, once their source has answered; rejects with the error to answer
   * instead. `signal` aborts when the client goes away first.
   */
  open(span: ByteSpan, signal: AbortSignal): Promise<Readable>;
}

export interface SendOptions {
  /** How long a client may take no bytes mid-answer before its connection is cut (default 30 s). */
  idleTimeoutMs?: number;
}

const DEFAULT_SEND_IDLE_TIMEOUT_MS = 30_000;

/** The headers that describe the bytes; an error answered instead must not carry them. */
function dropValidators(res: Response): void {
  res.removeHeader('ETag');
  res.removeHeader('Cache-Control');
}

/**
 * Sends stored bytes (an image or an upload). They never change under a URL: cached forever,
 * validated by content hash (`ETag`, answered 304; an `If-Match` naming another version gets 412
 * PRECONDITION_FAILED), and served whole or as one byte range
 * (206), or 416 RANGE_NOT_SATISFIABLE for a range past the end. A HEAD or a 304 never opens the
 * bytes; a GET streams them, and a source that fails mid-way, or a client that takes no bytes
 * for `idleTimeoutMs`, cuts the connection (the client sees a short body, never a
 * complete-looking wrong one) and is logged.
 */
export async function sendBinary(req: Request, res: Response, binary: BinaryToSend, logger: Logger, options: SendOptions = {}): Promise<void> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_SEND_IDLE_TIMEOUT_MS;
  const size = binary.size;
  const etag = `"${binary.sha256}"`;
  res.setHeader('ETag', etag);
  // private: these are users' photos; shared caches must not keep them.
  res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  // The preconditions in RFC 9110 §13.2.2's order: If-Match, If-None-Match, then Range.
  if (ifMatchFails(req.headers['if-match'], etag)) {
    dropValidators(res);
    throw new AppError('PRECONDITION_FAILED', `If-Match names another version; these bytes are ${etag}`);
  }
  // A cached copy needs no bytes.
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const range = selectByteRange(req, size, etag);
  if (range.kind === 'unsatisfiable') {
    // An error answer like the others: JSON, never cached, without this image's validator.
    dropValidators(res);
    throw new AppError('RANGE_NOT_SATISFIABLE', `The range asked for is past the end of the ${size} bytes`, {
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  const span = range.kind === 'partial' ? { start: range.start, end: range.end } : { start: 0, end: size - 1 };
  const body = req.method === 'HEAD' ? undefined : await openFor(res, binary, span);
  if (res.destroyed) return; // the client went away while the bytes were being opened
  res.setHeader('Content-Type', binary.mimeType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Accept-Ranges', 'bytes');
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${span.start}-${span.end}/${size}`);
  res.setHeader('Content-Length', String(span.end - span.start + 1));
  res.status(range.kind === 'partial' ? 206 : 200);
  if (!body) {
    res.end();
    return;
  }
  body.once('error', (err) => {
    logger.warn({ err: errorMessage(err), path: req.originalUrl, sent: res.socket?.bytesWritten }, 'stored bytes stopped mid-answer; connection closed');
    res.destroy();
  });
  // A client that takes no bytes would hold them, and the database's answer of them, for as long
  // as it keeps the connection open: cut it. Any progress (the socket's own inactivity timer) resets the wait.
  res.setTimeout(idleTimeoutMs, () => {
    logger.warn({ path: req.originalUrl, sent: res.socket?.bytesWritten, idleTimeoutMs }, 'no bytes sent to the client for the idle timeout; connection closed');
    res.destroy();
  });
  // A client that goes away (or a finished answer) releases the source.
  res.once('close', () => body.destroy());
  res.once('error', () => body.destroy());
  body.pipe(res);
}

/** Opens the bytes while the client waits; a client that goes away meanwhile aborts the open. */
async function openFor(res: Response, binary: BinaryToSend, span: ByteSpan): Promise<Readable | undefined> {
  const gone = new AbortController();
  const onClose = () => gone.abort(new Error('the client went away'));
  res.once('close', onClose);
  try {
    const body = await binary.open(span, gone.signal);
    if (res.destroyed) body.destroy();
    return body;
  } catch (err) {
    if (res.destroyed) return undefined;
    dropValidators(res);
    throw err;
  } finally {
    res.off('close', onClose);
  }
}
