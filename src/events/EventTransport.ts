import type { PipelineEvent } from './eventSchemas';

/**
 * Receives one event. `encoded`, when the transport has it, is the event as UTF-8 JSON (what a
 * WebSocket client is sent), so a multi-megabyte image event need not be serialized again.
 */
export type EventHandler = (event: PipelineEvent, encoded?: Buffer) => void;

/** Which transport carries the events, and whether it can now reach the other instances. */
export interface EventTransportHealth {
  transport: 'in-process' | 'redis';
  /** `unavailable`: events still reach this instance's clients, but not the other instances'. */
  status: 'ok' | 'unavailable';
  /**
   * Events that never crossed to the other instances: dropped from the backlog (full, or waited
   * too long), cut off with the connection before Redis acknowledged them, or given up at close.
   */
  unpublished?: number;
  /** Events waiting to be published, in emit order, until Redis takes them (it is down or not keeping up). */
  backlog?: number;
  /** Messages on the channel that were not this service's events, dropped. */
  rejected?: number;
}

/**
 * Moves events between publishers and subscribers: in-process, or over Redis pub/sub so
 * several instances share them (SPEC §8). Either way an event published here reaches this
 * process's handlers synchronously, before `publish` returns.
 */
export interface EventTransport {
  publish(event: PipelineEvent): void;
  /** Returns a function that removes the handler. */
  subscribe(handler: EventHandler): () => void;
  health(): EventTransportHealth;
  /** Idempotent. */
  close(): Promise<void>;
}
