/**
 * The requests the event hub knows of: those started and not ended (more events will come) and
 * the last ones ended, so a late subscriber gets a clear answer. A request whose terminal event
 * never arrives (the instance running it was killed, Redis lost the event, a bug) is given up
 * once it has been silent longer than any live request can be; it would otherwise be counted as
 * active, and followed by its subscribers, for ever.
 */
import type { Logger } from '../logging/Logger';
import { TERMINAL_EVENT_TYPES, type EventOf, type PipelineEvent, type Stage } from '../events/eventSchemas';
import { formatMs } from '../pipeline/formatMs';
import { processingErrorMessage } from '../pipeline/processingErrorMessage';

export interface RequestTracker {
  /** Notes one event on its way to the clients. */
  note(event: PipelineEvent): void;
  /** Started and not ended: more events will come. */
  isActive(requestId: string): boolean;
  /** Active, or one of the last requests ended. */
  isKnown(requestId: string): boolean;
  activeCount(): number;
  /**
   * Ends the requests with no event for longer than `staleAfterMs`, each logged once, and returns
   * the `processing_error` (code INTERRUPTED) that tells their followers, oldest first.
   */
  giveUpStale(): Array<EventOf<'processing_error'>>;
}

interface Active {
  startedAt: number;
  lastEventAt: number;
  /** The stage its last event tells it reached, which a given-up request failed in. */
  stage: Stage;
}

/** The stage a request is in once `type` was sent, as the pipeline names it in processing_error. */
function stageAfter(type: PipelineEvent['type'], current: Stage): Stage {
  if (type === 'analysis_started' || type === 'content_analysis_complete' || type === 'photo_analysis_complete') return 'photo_analysis';
  if (type.startsWith('image_generation') || type.startsWith('individual_image')) return 'image_generation';
  return current;
}

/**
 * @param options.staleAfterMs longer than any live request can go without an event (its instance's
 *   REQUEST_TIMEOUT_MS, plus the time its terminal event may take to be stored and cross instances)
 * @param options.recent how many ended requests are remembered
 * @param options.now the clock, in ms
 */
export function createRequestTracker(options: { staleAfterMs: number; recent: number; now: () => number; logger: Logger }): RequestTracker {
  const { staleAfterMs, now, logger } = options;
  // Ordered by last event (each event moves its request to the end), so the stale come first.
  const active = new Map<string, Active>();
  // Insertion-ordered, so the oldest is evicted first; true for a request given up here.
  const ended = new Map<string, boolean>();

  function end(requestId: string, givenUp: boolean): void {
    active.delete(requestId);
    ended.set(requestId, givenUp);
    if (ended.size > options.recent) ended.delete(ended.keys().next().value as string);
  }

  return {
    note(event) {
      const { requestId } = event;
      if (ended.get(requestId) === true) {
        // Only if a live request was silent for longer than this instance allows any to run.
        logger.warn({ requestId, type: event.type }, 'event for a request given up as interrupted (is REQUEST_TIMEOUT_MS longer on another instance?)');
        ended.set(requestId, false);
      }
      const at = now();
      if (event.type === 'processing_started') {
        active.delete(requestId);
        active.set(requestId, { startedAt: at, lastEventAt: at, stage: 'validation' });
      } else if (TERMINAL_EVENT_TYPES.has(event.type)) {
        end(requestId, false);
      } else {
        const request = active.get(requestId);
        if (!request) return;
        active.delete(requestId);
        active.set(requestId, { ...request, lastEventAt: at, stage: stageAfter(event.type, request.stage) });
      }
    },

    isActive: (requestId) => active.has(requestId),
    isKnown: (requestId) => active.has(requestId) || ended.has(requestId),
    activeCount: () => active.size,

    giveUpStale() {
      const at = now();
      const errors: Array<EventOf<'processing_error'>> = [];
      for (const [requestId, request] of active) {
        if (at - request.lastEventAt <= staleAfterMs) break;
        end(requestId, true);
        const silentMs = at - request.lastEventAt;
        logger.warn({ requestId, stage: request.stage, silentMs }, 'request given up: no event for longer than any live request can take; its followers are told INTERRUPTED');
        const error = `No event came for this request in ${Math.round(silentMs / 1000)} s: the server running it stopped, or its last events were lost`;
        errors.push({
          type: 'processing_error',
          requestId,
          error,
          code: 'INTERRUPTED',
          stage: request.stage,
          totalTime: formatMs(at - request.startedAt),
          message: processingErrorMessage(request.stage, error),
          timestamp: new Date(at).toISOString(),
        });
      }
      return errors;
    },
  };
}
