/**
 * The requests the event hub knows of: those started and not ended (more events will come) and
 * the last ones ended, so a late subscriber gets a clear answer. A request whose terminal event
 * never arrives (the instance running it was killed, Redis lost the event, a bug) is given up
 * once it has been silent longer than any live request can be; it would otherwise be counted as
 * active, and followed by its subscribers, for ever.
 *
 * It also keeps SPEC §4's "exactly one terminal event per request" for the clients: an event for
 * a request that has ended (its terminal event delivered, or given up here) or a second
 * `processing_started` is not delivered. Such events come only from a publisher that is not
 * this service's pipeline, or from an instance whose events outlived this one's patience.
 */
import type { Logger } from '../logging/Logger';
import { TERMINAL_EVENT_TYPES, type EventOf, type PipelineEvent, type Stage } from '../events/eventSchemas';
import { formatMs } from '../pipeline/formatMs';
import { processingErrorMessage } from '../pipeline/processingErrorMessage';

export interface RequestTracker {
  /**
   * Notes one event on its way to the clients; false when it must not reach them: its request
   * has ended (logged once per request), or it is a second `processing_started`.
   */
  note(event: PipelineEvent): boolean;
  /** Started and not ended: more events will come. */
  isActive(requestId: string): boolean;
  /** Active, or one of the last requests ended. */
  isKnown(requestId: string): boolean;
  activeCount(): number;
  /**
   * Ends the requests with no event for longer than `staleAfterMs` (and past the time their own
   * instance allows them, `timeoutMs` + `graceMs`), and the least recently heard from past
   * `maxActive`, each logged once; returns the `processing_error` (code INTERRUPTED) that tells
   * their followers, oldest first.
   */
  giveUpStale(): Array<EventOf<'processing_error'>>;
}

interface Active {
  startedAt: number;
  lastEventAt: number;
  /** Before this, the request may still be running (its processing_started's `timeoutMs`). */
  runsUntil: number;
  /** The stage its last event tells it reached, which a given-up request failed in. */
  stage: Stage;
  /** Its last event's seq: the INTERRUPTED that ends it comes next. */
  seq?: number;
}

/** The stage a request is in once `type` was sent, as the pipeline names it in processing_error. */
function stageAfter(type: PipelineEvent['type'], current: Stage): Stage {
  if (type === 'analysis_started' || type === 'content_analysis_complete' || type === 'photo_analysis_complete') return 'photo_analysis';
  if (type.startsWith('image_generation') || type.startsWith('individual_image')) return 'image_generation';
  return current;
}

/** What is remembered of an ended request: how it ended, or that a late event for it was logged. */
type Ending = 'ended' | 'given up' | 'late event logged';

export interface RequestTrackerOptions {
  /**
   * Longer than any live request of this instance can go without an event (its REQUEST_TIMEOUT_MS,
   * plus the time its terminal event may take to be stored and cross instances).
   */
  staleAfterMs: number;
  /**
   * Added to the `timeoutMs` a request's processing_started announces (its own instance's
   * REQUEST_TIMEOUT_MS): until then it may be live, however long it is silent.
   */
  graceMs: number;
  /** Past this many active requests, the least recently heard from is given up. */
  maxActive: number;
  /** How many ended requests are remembered. */
  recent: number;
  /** The clock, in ms. */
  now: () => number;
  logger: Logger;
}

export function createRequestTracker(options: RequestTrackerOptions): RequestTracker {
  const { staleAfterMs, now, logger } = options;
  // Ordered by last event (each event moves its request to the end), so the stale come first.
  const active = new Map<string, Active>();
  // Insertion-ordered, so the oldest is evicted first.
  const ended = new Map<string, Ending>();

  function end(requestId: string, how: Ending): void {
    active.delete(requestId);
    ended.set(requestId, how);
    if (ended.size > options.recent) ended.delete(ended.keys().next().value as string);
  }

  /** Logs the first event that comes for `requestId` after it ended; never delivered. */
  function late(event: PipelineEvent, how: Ending): false {
    if (how === 'late event logged') return false;
    ended.set(event.requestId, 'late event logged');
    if (how === 'given up') {
      logger.warn({ requestId: event.requestId, type: event.type }, 'event for a request given up as interrupted, not delivered: its followers were told it ended (is REQUEST_TIMEOUT_MS longer on an instance of an older version?)');
    } else {
      logger.warn({ requestId: event.requestId, type: event.type }, 'event for a request that has ended, not delivered (is something other than this service publishing on the channel?)');
    }
    return false;
  }

  /** The `processing_error` INTERRUPTED that tells the followers of `request`, given up at `at`. */
  function interrupted(requestId: string, request: Active, at: number, error: string): EventOf<'processing_error'> {
    return {
      type: 'processing_error',
      requestId,
      error,
      code: 'INTERRUPTED',
      stage: request.stage,
      totalTime: formatMs(at - request.startedAt),
      message: processingErrorMessage(request.stage, error),
      timestamp: new Date(at).toISOString(),
      ...(request.seq === undefined ? {} : { seq: request.seq + 1 }),
    };
  }

  return {
    note(event) {
      const { requestId } = event;
      const how = ended.get(requestId);
      if (how !== undefined) return late(event, how);
      const at = now();
      const request = active.get(requestId);
      if (event.type === 'processing_started') {
        if (request) {
          logger.warn({ requestId }, 'second processing_started for a running request, not delivered');
          return false;
        }
        const runsUntil = event.timeoutMs === undefined ? 0 : at + event.timeoutMs + options.graceMs;
        active.set(requestId, { startedAt: at, lastEventAt: at, runsUntil, stage: 'validation', seq: event.seq });
      } else if (TERMINAL_EVENT_TYPES.has(event.type)) {
        end(requestId, 'ended');
      } else if (request) {
        active.delete(requestId);
        active.set(requestId, { ...request, lastEventAt: at, stage: stageAfter(event.type, request.stage), seq: event.seq ?? request.seq });
      }
      // A request whose start came before this instance listened is passed on, untracked.
      return true;
    },

    isActive: (requestId) => active.has(requestId),
    isKnown: (requestId) => active.has(requestId) || ended.has(requestId),
    activeCount: () => active.size,

    giveUpStale() {
      const at = now();
      const errors: Array<EventOf<'processing_error'>> = [];
      for (const [requestId, request] of active) {
        const silentMs = at - request.lastEventAt;
        if (active.size > options.maxActive) {
          end(requestId, 'given up');
          logger.warn({ requestId, stage: request.stage, silentMs, maxActive: options.maxActive }, 'request given up: more requests active than are followed; its followers are told INTERRUPTED');
          errors.push(interrupted(requestId, request, at, `More requests are running than this server follows (${options.maxActive}); it stopped following this one, the least recently heard from`));
          continue;
        }
        if (silentMs <= staleAfterMs) break;
        // Silent, but its own instance allows it longer than this one allows its own.
        if (at <= request.runsUntil) continue;
        end(requestId, 'given up');
        logger.warn({ requestId, stage: request.stage, silentMs }, 'request given up: no event for longer than any live request can take; its followers are told INTERRUPTED');
        errors.push(interrupted(requestId, request, at, `No event came for this request in ${Math.round(silentMs / 1000)} s: the server running it stopped, or its last events were lost`));
      }
      return errors;
    },
  };
}
