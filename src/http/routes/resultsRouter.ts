/**
 * The results API: stored requests, their images, uploads and event logs (read-only).
 * Handlers only parse, read and render; failures are thrown as AppError for the error middleware.
 */
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../errors/AppError';
import { carriesToken } from '../../net/carriesToken';
import { REQUEST_ID_PATTERN } from '../../events/eventSchemas';
import {
  REQUEST_STATUSES,
  type RequestStatus,
  type ResultsReader,
  type ByteSpan,
  type StoredBinary,
  type StoredRequest,
} from '../../store/CouchStore';
import type { Logger } from '../../logging/Logger';
import type { InFlightRequest } from '../../pipeline/createPipeline';
import { StoreError } from '../../store/StoreError';
import { rejectOtherMethods } from '../rejectOtherMethods';
import { sendBinary } from '../sendBinary';

export interface ResultsRouterDeps {
  store: ResultsReader;
  /** Where an image or upload whose bytes stop coming mid-answer is reported. */
  logger: Logger;
  /**
   * false: GET /requests answers 404, so nobody can discover other clients' request ids
   * (WS_DELIVERY=subscribed, where an id is what lets a client follow a request). Default true.
   */
  listRequests?: boolean;
  /**
   * When set (WS_AUTH_TOKEN), GET /requests answers 401 unless the request presents it, as the
   * event stream does: the listing names every client's request, so it must not be open where
   * the broadcast of those same requests is closed. Reads by id stay open: an id is known only
   * to its uploader and to clients that hold the token.
   */
  listToken?: string;
  /**
   * A request being processed here, looked up when the database has no record of it yet (its
   * first record is written in the background): it is `processing`, not "not found".
   */
  inFlight?: (requestId: string) => InFlightRequest | undefined;
  /** An image or upload download that takes no bytes this long is cut (default 30 s). */
  sendIdleTimeoutMs?: number;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const MAX_CURSOR_LENGTH = 512;
/** Far past IMAGE_COUNT's bound (8), so data written under another configuration is still served. */
const MAX_IMAGE_INDEX = 999;
/**
 * The JSON answers change as a request runs (revalidate every time) and describe one user's
 * request: a shared cache must not keep them.
 */
const JSON_CACHE_CONTROL = 'private, no-cache';

const requestPath = (id: string) => `/requests/${id}`;
const imagePath = (id: string, index: number) => `${requestPath(id)}/images/${index}`;

function requestIdOf(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) {
    throw new AppError('INVALID_ID', 'Request ids look like req_<epoch ms>_<9 base-36 characters>');
  }
  return id;
}

/** Store failures become the codes clients switch on; anything else is a bug (500). */
async function fromStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'invalid_cursor') {
      throw new AppError('MALFORMED_REQUEST', err.message, { cause: err });
    }
    if (err instanceof StoreError) {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database is unavailable; try again shortly', {
        cause: err,
        headers: { 'Retry-After': '5' },
      });
    }
    throw err;
  }
}

function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`);
}

/** The stored result in the shape of the POST /process-image answer, with URLs instead of bytes. */
export function renderStoredRequest(request: StoredRequest): Record<string, unknown> {
  const id = request.requestId;
  return {
    success: true,
    requestId: id,
    status: request.status,
    engine: request.engine,
    createdAt: request.createdAt,
    completedAt: request.completedAt,
    upload: request.upload
      ? { ...request.upload, url: request.hasOriginal ? `${requestPath(id)}/original` : undefined }
      : undefined,
    settings: request.settings,
    analysis: request.analysis,
    images: request.images.map((image) =>
      image.status === 'completed'
        ? {
            index: image.index,
            title: image.title,
            status: image.status,
            mimeType: image.mimeType,
            width: image.width,
            height: image.height,
            size: image.size,
            durationMs: image.durationMs,
            url: image.stored ? imagePath(id, image.index) : undefined,
          }
        : { index: image.index, title: image.title, status: image.status, error: image.error, durationMs: image.durationMs },
    ),
    imagesGenerated: request.imagesGenerated,
    totalTime: request.totalTime,
    timings: request.timings,
    calls: request.calls,
    error: request.error,
    links: { self: requestPath(id), events: `${requestPath(id)}/events` },
  };
}

/**
 * One query parameter's value. A blank one (`?status=&limit=&cursor=`, as the README writes the
 * listing and as a form with nothing chosen sends it) means "not given", like a blank setting.
 */
function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AppError('MALFORMED_REQUEST', `${name} must be given once`);
  return value === '' ? undefined : value;
}

function parseListQuery(req: Request): { status?: RequestStatus; limit: number; cursor?: string } {
  const status = single(req.query.status, 'status');
  if (status !== undefined && !(REQUEST_STATUSES as readonly string[]).includes(status)) {
    throw new AppError('MALFORMED_REQUEST', `status must be one of ${REQUEST_STATUSES.join(', ')}`);
  }
  const rawLimit = single(req.query.limit, 'limit');
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);
  if (!/^\d+$/.test(rawLimit ?? '20') || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new AppError('MALFORMED_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const cursor = single(req.query.cursor, 'cursor');
  if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) {
    throw new AppError('MALFORMED_REQUEST', 'cursor is not one this API issued');
  }
  return { status: status as RequestStatus | undefined, limit, cursor };
}

/**
 * GET /requests, /requests/:id, /requests/:id/images/:index, /requests/:id/original,
 * /requests/:id/events.
 */
export function createResultsRouter(deps: ResultsRouterDeps): Router {
  const { store } = deps;
  const router = Router();

  /** The record a request being processed here will have once its first record is stored. */
  const notYetStored = (id: string): StoredRequest | undefined => {
    const live = deps.inFlight?.(id);
    return live && { requestId: id, status: 'processing', engine: live.engine, createdAt: live.createdAt, hasOriginal: false, images: [] };
  };

  /**
   * Streams stored bytes (`what` names them in a 404). Opening them fails like the store's other
   * reads, and bytes gone since their record was read are as missing as if it had said so.
   */
  const serveBinary = async (req: Request, res: Response, binary: StoredBinary | null | undefined, what: string) => {
    if (!binary) throw notFound(what);
    const open = async (span: ByteSpan, signal: AbortSignal) => {
      const body = await fromStore(() => binary.open(span, signal));
      if (!body) throw notFound(what);
      return body;
    };
    await sendBinary(req, res, { ...binary, open }, deps.logger, { idleTimeoutMs: deps.sendIdleTimeoutMs });
  };

  router.get('/requests', async (req, res) => {
    if (deps.listRequests === false) {
      throw new AppError('NOT_FOUND', 'Listing requests is disabled while WS_DELIVERY=subscribed; fetch your own request by its id');
    }
    if (deps.listToken !== undefined && !carriesToken(req, deps.listToken)) {
      throw new AppError('UNAUTHORIZED', 'Listing requests needs the WS_AUTH_TOKEN: send Authorization: Bearer <token> or ?token=<token>', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const query = parseListQuery(req);
    const page = await fromStore(() => store.listRequests(query));
    res.setHeader('Cache-Control', JSON_CACHE_CONTROL);
    res.json({
      success: true,
      requests: page.requests.map((summary) => ({ ...summary, url: requestPath(summary.requestId) })),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/requests/:id', async (req, res) => {
    const id = requestIdOf(req);
    const live = notYetStored(id);
    let request: StoredRequest | null | undefined;
    try {
      request = await fromStore(() => store.getRequest(id));
    } catch (err) {
      // A database outage does not hide a request this instance is running.
      if (!live) throw err;
    }
    request ??= live;
    if (!request) throw notFound(`Request ${id}`);
    res.setHeader('Cache-Control', JSON_CACHE_CONTROL);
    res.json(renderStoredRequest(request));
  });

  router.get('/requests/:id/images/:index', async (req, res) => {
    const id = requestIdOf(req);
    const rawIndex = String(req.params.index);
    if (!/^[1-9]\d*$/.test(rawIndex)) throw new AppError('INVALID_ID', 'Image index must be a positive integer');
    const index = Number(rawIndex);
    // No request has more than IMAGE_COUNT's bound of images: a huge index is simply not there.
    const image = index <= MAX_IMAGE_INDEX ? await fromStore(() => store.getImage(id, index)) : undefined;
    // The index as sent: past the safe integers, `${index}` would read 1e+40.
    await serveBinary(req, res, image, `Image ${rawIndex} of request ${id}`);
  });

  router.get('/requests/:id/original', async (req, res) => {
    const id = requestIdOf(req);
    const original = await fromStore(() => store.getOriginal(id));
    await serveBinary(req, res, original, `Upload of request ${id}`);
  });

  router.get('/requests/:id/events', async (req, res) => {
    const id = requestIdOf(req);
    const events = await fromStore(() => store.getEvents(id));
    if (events.length === 0 && !deps.inFlight?.(id) && !(await fromStore(() => store.getRequest(id)))) throw notFound(`Request ${id}`);
    res.setHeader('Cache-Control', JSON_CACHE_CONTROL);
    res.json({ success: true, requestId: id, count: events.length, events });
  });

  // Without the listing, /requests does not exist for any method (a 405 would say it does).
  const served = ['/requests/:id', '/requests/:id/images/:index', '/requests/:id/original', '/requests/:id/events'];
  router.all(deps.listRequests === false ? served : ['/requests', ...served], rejectOtherMethods('GET'));
  return router;
}
