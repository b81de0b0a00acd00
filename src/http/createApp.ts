/**
 * The Express app: a thin web layer. Routes parse and pass on; the pipeline does the work;
 * one error middleware renders every failure.
 */
import fs from 'node:fs';
import express, { type RequestHandler, type Router } from 'express';
import { AppError } from '../errors/AppError';
import { DEFAULT_TRUST_PROXY, type TrustProxy } from '../config/trustProxySetting';
import type { Logger } from '../logging/Logger';
import type { ConcurrencyLimiter } from '../pipeline/createConcurrencyLimiter';
import type { Pipeline } from '../pipeline/createPipeline';
import { createCorsMiddleware } from './corsMiddleware';
import { createErrorMiddleware } from './errorMiddleware';
import { lingerOnRefusal } from './lingerOnRefusal';
import { refuseUnmetExpectation } from './refuseUnmetExpectation';
import { rejectOtherMethods } from './rejectOtherMethods';
import { createHealthRouter, type HealthDeps } from './routes/healthRouter';
import { createProcessImageRouter } from './routes/processImageRouter';

export interface AppDeps extends HealthDeps {
  pipeline: Pipeline;
  limiter: ConcurrencyLimiter;
  logger: Logger;
  maxUploadBytes: number;
  /** An upload silent this long is answered 408 UPLOAD_TIMEOUT and its slot freed (default 30 s). */
  uploadIdleTimeoutMs?: number;
  corsOrigin: string;
  /** Absolute path of websocket-test.html, served at `/`. */
  testPagePath?: string;
  /** Proxies whose X-Forwarded-For gives `req.ip` (Express `trust proxy`). Default loopback. */
  trustProxy?: TrustProxy;
  /** Runs before anything else on POST /process-image (the per-IP rate limit). */
  rateLimit?: RequestHandler;
  /** Aborted when the shutdown deadline passes: in-flight pipelines stop. */
  shutdownSignal?: AbortSignal;
  /** Extra routers (e.g. the results API), mounted before the 404 handler. */
  routers?: Router[];
}

/**
 * Builds the Express app from its dependencies (nothing here opens a port or a database).
 * Order matters: CORS, health (answers while draining), the drain gate, the test page,
 * POST /process-image, extra routers, then the 404 and the one error middleware.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? DEFAULT_TRUST_PROXY);
  app.use(createCorsMiddleware(deps.corsOrigin));
  app.use(refuseUnmetExpectation);

  // Health first: while draining it still answers (503, `draining: true`) for load balancers.
  app.use(createHealthRouter(deps));
  app.use((req, res, next) => {
    // A preflight does no work; answering it lets a browser read the 503 of the request after.
    if (!deps.isDraining() || req.method === 'OPTIONS') return next();
    lingerOnRefusal(req, res);
    next(new AppError('SHUTTING_DOWN', 'The server is shutting down', { headers: { 'Retry-After': '5' } }));
  });

  if (deps.testPagePath) {
    const page = deps.testPagePath;
    const sendPage: RequestHandler = (_req, res, next) => {
      if (!fs.existsSync(page)) return next();
      res.sendFile(page, { headers: { 'Cache-Control': 'no-cache' } });
    };
    app.get('/', sendPage);
    app.get('/websocket-test.html', sendPage);
    // Only when there is a page to GET; otherwise every method is 404 alike.
    if (fs.existsSync(page)) app.all(['/', '/websocket-test.html'], rejectOtherMethods('GET'));
  }

  app.use(
    createProcessImageRouter({
      pipeline: deps.pipeline,
      limiter: deps.limiter,
      maxUploadBytes: deps.maxUploadBytes,
      uploadIdleTimeoutMs: deps.uploadIdleTimeoutMs,
      rateLimit: deps.rateLimit,
      shutdownSignal: deps.shutdownSignal,
    }),
  );
  for (const router of deps.routers ?? []) app.use(router);

  app.use((req, _res, next) => next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(createErrorMiddleware(deps.logger));
  return app;
}
