import type { PipelineEvent } from './eventSchemas';

/**
 * The events of a request that were sent before, for a client that resumes after a drop (the
 * event server reads it when its own memory no longer has them). The store provides it
 * (createStoredEventHistory); the event server is given it, so it never reads the store itself.
 */
export interface EventHistory {
  /**
   * The stored events of `requestId` numbered after `afterSeq`, in order, as stored (an
   * `individual_image_completed` without its `imageData`: see `complete`); null when nothing
   * of the request is stored. Rejects when the store cannot be read.
   */
  eventsAfter(requestId: string, afterSeq: number): Promise<PipelineEvent[] | null>;
  /**
   * The event as it was sent: an `individual_image_completed` gets its `imageData` back from the
   * stored image. Null when that image is not stored (yet). Rejects when the store cannot be read.
   */
  complete(event: PipelineEvent): Promise<PipelineEvent | null>;
}
