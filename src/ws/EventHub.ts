/** The event hub's interface (createEventHub) and what it needs from a connection. */
import type { z } from 'zod';
import type { DeliveryModeSchema, PipelineEvent } from '../events/eventSchemas';

/** What the hub needs from a connection. */
export interface ClientSocket {
  /** Sends one UTF-8 JSON text message. */
  send(data: Buffer): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
}

export type DeliveryMode = z.infer<typeof DeliveryModeSchema>;

export interface EventHubStats {
  connections: number;
  activeRequests: number;
  /** Request ids the connected clients follow (own uploads and subscriptions) that have not ended yet. */
  subscriptions: number;
  eventsBroadcast: number;
  messagesSent: number;
  slowConsumersClosed: number;
  /** Requests given up after no event for longer than any live request can take, or past the cap on those followed (their followers told INTERRUPTED). */
  interruptedRequests: number;
}

export interface EventHub {
  /** Registers a socket, sends it `connection_established`, returns its connectionId. */
  connect(socket: ClientSocket): string;
  /** Handles one inbound text message from a client. */
  receive(connectionId: string, text: string): void;
  disconnect(connectionId: string): void;
  /**
   * Sends one pipeline event to its recipients, serialized once (`encoded`: the event's UTF-8
   * JSON when the caller already has it, e.g. as it arrived from Redis).
   */
  deliver(event: PipelineEvent, encoded?: Buffer): void;
  has(connectionId: string): boolean;
  /** The counts; requests gone stale are given up first, so `activeRequests` is never overstated. */
  stats(): EventHubStats;
  /** Closes every client with `code` and stops the timer that gives up stale requests. Idempotent. */
  close(code: number, reason: string): void;
}
