import { Router, type RequestHandler } from 'express';
import { AppError } from '../../errors/AppError';
import type { ConcurrencyLimiter } from '../../pipeline/createConcurrencyLimiter';
import type { Pipeline } from '../../pipeline/createPipeline';
import { createRequestId } from '../../pipeline/createRequestId';
import { createUploadMiddleware } from '../createUploadMiddleware';

const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `POST /process-image`: waits for a pipeline slot (503 BUSY past the queue), parses the
 * upload, and hands it to the pipeline. Errors are passed on to the error middleware.
 */
export function createProcessImageRouter(deps: {
  pipeline: Pipeline;
  limiter: ConcurrencyLimiter;
  maxUploadBytes: number;
  rateLimit?: RequestHandler;
}): Router {
  const router = Router();
  const upload = createUploadMiddleware({ maxUploadBytes: deps.maxUploadBytes });

  // Take a slot before reading the body, so queued uploads do not sit in memory.
  const acquireSlot: RequestHandler = async (_req, res, next) => {
    const abandoned = new AbortController();
    const onClose = () => abandoned.abort();
    res.once('close', onClose);
    try {
      const release = await deps.limiter.acquire(abandoned.signal);
      res.off('close', onClose);
      res.once('close', release);
      next();
    } catch (err) {
      res.off('close', onClose);
      // The body was not read; close the connection rather than drain an upload we refuse.
      res.setHeader('Connection', 'close');
      next(err);
    }
  };

  const handle: RequestHandler = async (req, res) => {
    if (!req.file) {
      throw new AppError('MISSING_IMAGE', 'Send the photo as multipart/form-data in the file field "image"');
    }
    const connectionId = readConnectionId(req.header('x-connection-id') ?? (req.body as Record<string, unknown> | undefined)?.connectionId);
    const startedAt = performance.now();
    const requestId = createRequestId();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const result = await deps.pipeline.process({
      requestId,
      upload: req.file.buffer,
      originalName: req.file.originalname,
      connectionId,
      startedAt,
    });
    res.json(result);
  };

  const handlers: RequestHandler[] = [acquireSlot, upload, handle];
  if (deps.rateLimit) handlers.unshift(deps.rateLimit);
  router.post('/process-image', ...handlers);
  return router;
}

function readConnectionId(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !CONNECTION_ID.test(value)) {
    throw new AppError('MALFORMED_REQUEST', 'X-Connection-Id must be the connectionId sent by the WebSocket server');
  }
  return value;
}
