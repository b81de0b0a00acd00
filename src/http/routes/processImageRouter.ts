import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors/AppError';
import type { ConcurrencyLimiter } from '../../pipeline/createConcurrencyLimiter';
import type { Pipeline } from '../../pipeline/createPipeline';
import { createRequestId } from '../../pipeline/createRequestId';
import { createUploadMiddleware } from '../createUploadMiddleware';
import { lingerOnRefusal } from '../lingerOnRefusal';
import { sendJsonStreamingLargeStrings } from '../sendJsonStreamingLargeStrings';
import { watchUploadIdle } from '../watchUploadIdle';
import { rejectOtherMethods } from '../rejectOtherMethods';
import { continueIfExpected } from '../continueIfExpected';
import { uploadFileName } from '../uploadFileName';
import { formatMb } from '../../util/formatMb';

const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `POST /process-image`: refuses a body announced as too large, waits for a pipeline slot
 * (503 BUSY past the queue), parses the upload, and hands it to the pipeline. The slot is held
 * until the pipeline settles; a client that goes away aborts its pipeline. Errors are passed
 * on to the error middleware.
 */
export function createProcessImageRouter(deps: {
  pipeline: Pipeline;
  limiter: ConcurrencyLimiter;
  maxUploadBytes: number;
  /** Default 30 s. */
  uploadIdleTimeoutMs?: number;
  rateLimit?: RequestHandler;
  /** Aborted when the shutdown deadline passes: in-flight pipelines stop and answer. */
  shutdownSignal?: AbortSignal;
}): Router {
  const router = Router();
  const upload = createUploadMiddleware({ maxUploadBytes: deps.maxUploadBytes });
  // Room for the multipart framing and the small text fields around the file.
  const maxBodyBytes = deps.maxUploadBytes + 256 * 1024;
  const uploadIdleTimeoutMs = deps.uploadIdleTimeoutMs ?? 30_000;

  const checkLength: RequestHandler = (req, res, next) => {
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > maxBodyBytes) {
      // Not read, but not cut off either: a client still sending (fetch does) must get the 413.
      lingerOnRefusal(req, res);
      return next(new AppError('FILE_TOO_LARGE', `The request body (${length} bytes) is larger than the ${formatMb(deps.maxUploadBytes)} MB upload limit`));
    }
    next();
  };

  // A compressed body would reach multer as garbage ("Unexpected end of form"): say what is wrong.
  const checkEncoding: RequestHandler = (req, res, next) => {
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') return next();
    lingerOnRefusal(req, res);
    next(
      new AppError(
        'UNSUPPORTED_CONTENT_ENCODING',
        `The request body is sent with Content-Encoding "${encoding.slice(0, 40)}", which this server does not decode; send the multipart body uncompressed (the photo is compressed already)`,
        { headers: { 'Accept-Encoding': 'identity' } },
      ),
    );
  };

  /**
   * Resolves when multer is done, or at once when `stop` aborts (the client left, or the
   * shutdown deadline passed); multer cleans up on its own when the connection closes.
   */
  const parseUpload = (req: Request, res: Response, stop: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (stop.aborted) return resolve();
      const onStop = () => resolve();
      stop.addEventListener('abort', onStop, { once: true });
      // A client waiting for the go-ahead sends its body only now.
      continueIfExpected(req, res);
      // The upload middleware calls back with an AppError or nothing.
      upload(req, res, (err?: unknown) => {
        stop.removeEventListener('abort', onStop);
        if (err) reject(err instanceof Error ? err : new Error('The upload could not be parsed'));
        else resolve();
      });
    });

  const shuttingDown = () =>
    new AppError('SHUTTING_DOWN', 'The server is shutting down; try again shortly', { headers: { 'Retry-After': '5', Connection: 'close' } });

  const handle: RequestHandler = async (req, res) => {
    const gone = new AbortController();
    const onClose = () => gone.abort(new AppError('CLIENT_CLOSED', 'The client closed the connection before the answer'));
    res.once('close', onClose);
    const signals = [gone.signal, deps.shutdownSignal].filter((s): s is AbortSignal => s !== undefined);
    const stop = AbortSignal.any(signals);
    let release: (() => void) | undefined;
    try {
      try {
        // Take a slot before reading the body, so queued uploads do not sit in memory.
        release = await deps.limiter.acquire(stop);
      } catch (err) {
        // The body was not read: let the client finish sending it so it can read the answer.
        lingerOnRefusal(req, res);
        throw deps.shutdownSignal?.aborted ? shuttingDown() : err;
      }
      const idle = watchUploadIdle(req, uploadIdleTimeoutMs);
      try {
        await parseUpload(req, res, AbortSignal.any([stop, idle.signal]));
      } finally {
        idle.clear();
      }
      if (gone.signal.aborted) return;
      // The shutdown deadline passed while the body was still arriving.
      if (deps.shutdownSignal?.aborted) throw shuttingDown();
      if (idle.signal.aborted) {
        // The rest of the body is not coming: answer and close rather than wait for it.
        throw new AppError('UPLOAD_TIMEOUT', `No upload data arrived for ${uploadIdleTimeoutMs / 1000} s; send the photo again`, { headers: { Connection: 'close' } });
      }
      if (!req.file) {
        // Also what a file part without a filename ends as (multer drops it unseen): name the filename.
        throw new AppError('MISSING_IMAGE', 'Send the photo as multipart/form-data in the file field "image", as a file part with a filename');
      }
      const connectionId = readConnectionId(req.header('x-connection-id') || (req.body as Record<string, unknown> | undefined)?.connectionId);
      const startedAt = performance.now();
      const requestId = createRequestId();
      res.locals.requestId = requestId;
      res.setHeader('X-Request-Id', requestId);
      const result = await deps.pipeline.process({
        requestId,
        upload: req.file.buffer,
        originalName: uploadFileName(req.file.originalname),
        connectionId,
        startedAt,
        signal: stop,
      });
      sendJsonStreamingLargeStrings(res, result);
    } finally {
      res.off('close', onClose);
      // Held until the pipeline settles, not merely until the client leaves.
      release?.();
    }
  };

  const handlers: RequestHandler[] = [checkLength, checkEncoding, handle];
  if (deps.rateLimit) handlers.unshift(deps.rateLimit);
  router.post('/process-image', ...handlers);
  router.all('/process-image', rejectOtherMethods('POST'));
  return router;
}

function readConnectionId(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !CONNECTION_ID.test(value)) {
    throw new AppError('MALFORMED_REQUEST', 'The connectionId (X-Connection-Id header or connectionId form field) must be the one the WebSocket server sent');
  }
  return value;
}
