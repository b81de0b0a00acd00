import type { PipelineEvent } from './eventSchemas';

export type EventHandler = (event: PipelineEvent) => void;

/**
 * Moves events between publishers and subscribers. In-process today; a Redis pub/sub
 * transport implementing the same three methods lets several instances share events.
 */
export interface EventTransport {
  publish(event: PipelineEvent): void;
  /** Returns a function that removes the handler. */
  subscribe(handler: EventHandler): () => void;
  /** Idempotent. */
  close(): Promise<void>;
}
