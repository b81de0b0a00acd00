import type { EventBus } from '../events/createEventBus';
import type { PipelineEvent } from '../events/eventSchemas';

/** An event as a stage writes it: the emitter adds `requestId` and `timestamp` (the bus numbers it: `seq`). */
export type EventDraft = PipelineEvent extends infer E
  ? E extends PipelineEvent
    ? Omit<E, 'requestId' | 'timestamp' | 'seq'>
    : never
  : never;

export interface RequestEmitter {
  emit(draft: EventDraft): void;
  /** True once a terminal event was emitted; later events are dropped. */
  readonly finished: boolean;
}

/**
 * Emits one request's events. After the terminal event (`processing_completed` or
 * `processing_error`) nothing more is sent, so a straggling stage cannot break the order.
 */
export function createRequestEmitter(bus: EventBus, requestId: string): RequestEmitter {
  let finished = false;
  return {
    emit(draft) {
      if (finished) return;
      if (draft.type === 'processing_completed' || draft.type === 'processing_error') finished = true;
      bus.publish({ ...draft, requestId, timestamp: new Date().toISOString() });
    },
    get finished() {
      return finished;
    },
  };
}
