import type { CouchStore } from './CouchStore';
import type { StoreHealth } from './RequestStore';
import { CouchError, isCouchStatus } from './CouchClient';
import { createNanoCouchClient } from './createNanoCouchClient';
import { createByteBudget } from './createByteBudget';
import { withAttachmentBudget } from './withAttachmentBudget';
import { withAttachmentReadBudget } from './withAttachmentReadBudget';
import { createWriteQueue } from './createWriteQueue';
import type { FailureKind, WriteJob } from './WriteQueue';
import { createEventLog } from './createEventLog';
import { databaseNames, ensureDatabases } from './ensureDatabases';
import { startedBytes } from './writeStartedRequest';
import { finishedBytes } from './writeFinishedRequest';
import { writeInterrupted } from './writeInterrupted';
import { performWrite } from './performWrite';
import { sendsAttachments, type SpooledWrite } from './SpooledWrite';
import { createWriteSpool } from './createWriteSpool';
import { createSpoolReplay, type SpoolReplay } from './createSpoolReplay';
import { readOrUnavailable } from './readOrUnavailable';
import { readRequest } from './readRequest';
import { readImage } from './readImage';
import { readOriginal } from './readOriginal';
import { listRequests } from './listRequests';
import { checkStoreHealth } from './checkStoreHealth';
import { NOT_COUCHDB_ERROR } from './isCouchWelcome';
import { redactUrl } from '../util/redactUrl';
import { StoreError } from './StoreError';
import { EMBEDDED_ATTACHMENT_BUDGET, EMBEDDED_ATTACHMENT_READ_BUDGET, type CouchStoreOptions } from './CouchStoreOptions';
import { errorMessage } from '../util/errorMessage';
import { settledWithin } from '../util/settledWithin';

export type { CouchStoreOptions } from './CouchStoreOptions';

/**
 * No answer, or a gateway saying the server behind it is away (502/503/504): retry until it
 * returns. Other retryable answers (500, auth, 404, 409, 429) a limited number of times. Bugs
 * (not CouchErrors) and 400/413/415 are not retried.
 */
function classify(err: unknown): FailureKind {
  if (!(err instanceof CouchError)) return 'permanent';
  if (err.status === undefined || err.status === 502 || err.status === 503 || err.status === 504) return 'unreachable';
  return err.retryable ? 'retryable' : 'permanent';
}

/** What a failed start means for the operator: the server may well be reachable. */
function startFailure(err: unknown): string {
  if (isCouchStatus(err, 401) || isCouchStatus(err, 403)) {
    return 'database refused the credentials in COUCHDB_URL at start; writes will queue until it accepts them';
  }
  if (err instanceof CouchError && err.error === NOT_COUCHDB_ERROR) return 'COUCHDB_URL is not a CouchDB server; writes will queue until it is';
  return 'database not reachable at start; writes will queue until it is';
}

/**
 * The write-queue lane of one request's document: its writes run in order there, and a read
 * asks whether it still holds any (so the name must be the same for both).
 */
function requestLane(requestId: string): string {
  return `request:${requestId}`;
}

/**
 * Connects to a CouchDB(-compatible) server through nano and returns the store. Resolves even when
 * the server is down: the databases are created by the first write that reaches it, and until
 * then writes wait in the bounded queue.
 */
export async function createCouchStore(options: CouchStoreOptions): Promise<CouchStore> {
  const attachmentBudget = options.maxAttachmentBytesInFlight ?? (options.mode === 'embedded' ? EMBEDDED_ATTACHMENT_BUDGET : 0);
  if (!(attachmentBudget >= 0)) throw new Error(`maxAttachmentBytesInFlight must be 0 (none) or more bytes; got ${attachmentBudget}`);
  const logger = options.logger.child({ component: 'store' });
  const names = databaseNames(options.dbPrefix);
  const url = redactUrl(options.url);
  const nanoClient = createNanoCouchClient({ url: options.url, timeoutMs: options.requestTimeoutMs });
  // Writes only: reads of attachments are the results API's, one per HTTP request.
  const client = attachmentBudget > 0 ? withAttachmentBudget(nanoClient, createByteBudget(attachmentBudget)) : nanoClient;
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  const readBudget = options.maxAttachmentReadBytesInFlight ?? (options.mode === 'embedded' ? EMBEDDED_ATTACHMENT_READ_BUDGET : 0);
  if (!(readBudget >= 0)) throw new Error(`maxAttachmentReadBytesInFlight must be 0 (none) or more bytes; got ${readBudget}`);
  const nanoReadClient = createNanoCouchClient({ url: options.url, timeoutMs: readTimeoutMs });
  const readClient = readBudget > 0 ? withAttachmentReadBudget(nanoReadClient, createByteBudget(readBudget), { waitMs: readTimeoutMs }) : nanoReadClient;
  const spool = options.spoolDir ? createWriteSpool({ dir: options.spoolDir, logger }) : undefined;
  /** Set once the queue exists (it is the queue's `keep`, and feeds the queue). */
  let replay: SpoolReplay | undefined;
  const queue = createWriteQueue({
    logger,
    classify,
    retry: options.retry,
    maxQueuedWrites: options.maxQueuedWrites,
    maxQueuedBytes: options.maxQueuedBytes,
    settleTimeoutMs: options.settleTimeoutMs,
    keep: spool ? (jobs) => (replay ? replay.keep(jobs) : Promise.resolve(0)) : undefined,
  });
  let bootstrapped: Promise<void> | undefined;
  let closePromise: Promise<void> | undefined;
  let closed = false;
  /** The database health probe running now, shared by every caller until it settles. */
  let probing: Promise<StoreHealth> | undefined;

  /** Creates the databases once; a failure is retried by the next write. */
  function ready(): Promise<void> {
    bootstrapped ??= ensureDatabases(client, names).then(
      ({ warnings }) => {
        for (const warning of warnings) logger.warn({ url }, warning);
        logger.info({ url, mode: options.mode, databases: names }, 'database ready');
      },
      (err: unknown) => {
        bootstrapped = undefined;
        throw err;
      },
    );
    return bootstrapped;
  }

  /** Runs a write once the databases exist; a 404 means one was deleted, so bootstrap again. */
  async function write(run: () => Promise<void>): Promise<void> {
    await ready();
    try {
      await run();
    } catch (err) {
      if (err instanceof CouchError && err.status === 404) bootstrapped = undefined;
      throw err;
    }
  }

  /** Makes a described write: the live writes and the spool's replay run the same code. */
  const perform = (what: SpooledWrite) => write(() => performWrite(client, names, what));

  /** A store write as a queue job: its description is what the spool keeps, and what it runs. */
  function job(lane: string, label: string, bytes: number, what: SpooledWrite): WriteJob {
    return { lane, label, bytes, spool: what, sendsAttachments: sendsAttachments(what.kind), run: () => perform(what) };
  }

  /**
   * A read of a request found nothing while that request's own writes wait behind a failing or
   * stalled database, or in the spool of the last stop: it is not missing, only not stored yet
   * (its client may already hold its answer). Said as unavailable, so the reader is told to try
   * again rather than 404.
   */
  async function readQueued<T>(what: string, requestId: string, run: () => Promise<T | null>): Promise<T | null> {
    const found = await readOrUnavailable(what, run);
    const { failing, stalled, catchingUp } = queue.stats();
    const lane = requestLane(requestId);
    if (found === null && (((failing || stalled || catchingUp) && queue.holds(lane)) || replay?.holds(lane))) {
      throw new StoreError('unavailable', `${what} is not stored yet: its writes are queued while the database fails`);
    }
    return found;
  }

  const events = createEventLog({ client, readClient, db: names.events, queue, logger, perform });

  // Create the databases now when the server answers; a server that does not answer in time
  // must not hold up the service's start (the first write tries again).
  const answered = ready().catch((err: unknown) => {
    logger.warn({ url, err: errorMessage(err) }, startFailure(err));
  });
  if (!(await settledWithin(answered, options.startTimeoutMs ?? 5000))) {
    logger.warn({ url }, 'database slow to answer at start; continuing, writes will queue until it does');
  }
  if (spool) {
    replay = createSpoolReplay({ spool, queue, logger, perform });
    await replay.start();
  }

  return {
    receiveRequest(request) {
      return queue.enqueue(job(requestLane(request.requestId), `arrival of ${request.requestId}`, 1024, { kind: 'arrived', data: request }));
    },

    startRequest(request) {
      return queue.enqueue(job(requestLane(request.requestId), `start ${request.requestId}`, startedBytes(request), { kind: 'started', data: request }));
    },

    appendEvent(event) {
      events.append(event);
    },

    storeImage(requestId, image) {
      return queue.enqueue(job(requestLane(requestId), `image ${image.index} of ${requestId}`, image.data.length + 1024, { kind: 'image', data: { requestId, image } }));
    },

    finishRequest(result) {
      return queue.enqueue(job(requestLane(result.requestId), `finish ${result.requestId}`, finishedBytes(result), { kind: 'finished', data: result }));
    },

    getRequest: (requestId) => readQueued(`request ${requestId}`, requestId, () => readRequest(readClient, names.requests, requestId)),
    getImage: (requestId, index) =>
      readQueued(`image ${index} of ${requestId}`, requestId, () => readImage(readClient, names.requests, requestId, index)),
    getOriginal: (requestId) =>
      readQueued(`upload of ${requestId}`, requestId, () => readOriginal(readClient, names.requests, requestId)),
    getEvents: (requestId) => readOrUnavailable(`events of ${requestId}`, () => events.read(requestId)),
    listRequests: (listOptions) => readOrUnavailable('request list', () => listRequests(readClient, names.requests, listOptions)),

    pendingWrites: () => queue.stats().pending,

    async failInterrupted(createdBefore, deadlineBefore, signal) {
      // Start records still in the spool are not listed yet: the sweep would miss them.
      await replay?.whenReplayed(signal);
      const stale: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await readOrUnavailable('interrupted requests', () => listRequests(client, names.requests, { status: 'processing', limit: 100, cursor }, { signal }));
        for (const summary of page.requests) {
          if (summary.createdAt && Date.parse(summary.createdAt) < createdBefore.getTime()) stale.push(summary.requestId);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      signal?.throwIfAborted();
      // In the request's own lane, behind any write of it still queued.
      let failed = 0;
      const failOne = async (requestId: string) => {
        if (await writeInterrupted(client, names.requests, requestId, deadlineBefore)) failed += 1;
      };
      await Promise.all(
        stale.map((requestId) =>
          queue.enqueue({
            lane: requestLane(requestId),
            label: `interrupted ${requestId}`,
            bytes: 1024,
            spool: { kind: 'interrupted', data: { requestId, deadlineBefore: deadlineBefore?.toISOString() } },
            run: () => write(() => failOne(requestId)),
          }),
        ),
      );
      return failed;
    },

    health: () =>
      // Callers that ask while a probe runs share it: a burst of health checks (several load
      // balancers, a dashboard) is one round of database calls, not one each.
      (probing ??= checkStoreHealth({
        client,
        names,
        mode: options.mode,
        url,
        queue: queue.stats(),
        spooled: replay?.pending() ?? 0,
        closed,
        timeoutMs: options.healthTimeoutMs ?? 3000,
      }).finally(() => {
        probing = undefined;
      })),

    close() {
      closePromise ??= (async () => {
        await queue.close(options.closeTimeoutMs ?? 5000);
        closed = true;
        client.close();
        readClient.close();
      })();
      return closePromise;
    },
  };
}
