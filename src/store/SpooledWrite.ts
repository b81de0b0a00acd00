/**
 * A store write described as data rather than a closure, so a write still queued when the store
 * closes can be kept on disk (the spool) and made again by the next start (`performWrite`).
 * Buffers anywhere in `data` are kept as files beside the description, never as base64 in JSON.
 */
import type { CouchDoc } from './CouchClient';
import type { ImageToStore, RequestArrived, RequestFinished, RequestStarted } from './RequestStore';

/** One event-log document (`createEventLog`). */
export interface EventDoc extends CouchDoc {
  type: 'event';
  requestId: string;
  seq: number;
  eventType: string;
  timestamp: string;
  event: unknown;
}

export type SpooledWrite =
  | { kind: 'arrived'; data: RequestArrived }
  | { kind: 'started'; data: RequestStarted }
  | { kind: 'image'; data: { requestId: string; image: ImageToStore } }
  | { kind: 'finished'; data: RequestFinished }
  | { kind: 'interrupted'; data: { requestId: string; deadlineBefore?: string } }
  | { kind: 'event'; data: EventDoc };

export type SpooledWriteKind = SpooledWrite['kind'];

/** Every kind, for checking a description read back from disk. */
export const SPOOLED_WRITE_KINDS: ReadonlySet<string> = new Set<SpooledWriteKind>(['arrived', 'started', 'image', 'finished', 'interrupted', 'event']);

/**
 * Whether a write of `kind` sends attachment bytes (the upload with the start record, an image):
 * such writes wait for the attachment budget and take only some of the queue's slots. The final
 * result is counted as a document update: its images were stored before it in its lane.
 */
export const sendsAttachments = (kind: SpooledWriteKind): boolean => kind === 'started' || kind === 'image';
