/**
 * What the pipeline needs from persistence. The CouchDB implementation lives beside this file;
 * the pipeline and the web layer only see this interface.
 *
 * Write methods never reject because the database is down: the implementation queues the
 * write and retries in the background, so a request still succeeds (SPEC §5).
 */
import type { Analysis, CameraSettings } from '../domain/schemas';
import type { PipelineEvent, Stage } from '../events/eventSchemas';
import type { EngineName, EngineCallRecord } from '../engine/ImageEngine';

export interface UploadMeta {
  size: number;
  format: string;
  mimeType: string;
  width: number;
  height: number;
  sha256: string;
  originalName?: string;
}

/** What is known of an upload rejected at validation: its bytes, which were not a usable photo. */
export interface RejectedUpload {
  size: number;
  sha256: string;
  originalName?: string;
}

/**
 * The start fields of a request that never had a start record because it failed validation;
 * `finishRequest` records them with the failure so the request can still be read back.
 */
export interface RequestReceived {
  engine: EngineName;
  createdAt: string;
  connectionId?: string;
  upload: RejectedUpload;
}

/** What is known of a request the moment its upload has arrived, before its bytes are checked. */
export interface RequestArrived {
  requestId: string;
  engine: EngineName;
  createdAt: string;
  /** See `RequestStarted.deadlineAt`. */
  deadlineAt?: string;
  connectionId?: string;
}

export interface RequestStarted {
  requestId: string;
  engine: EngineName;
  createdAt: string;
  /**
   * When this request's REQUEST_TIMEOUT_MS, on the instance running it, runs out. Another
   * instance's sweep leaves the request alone until then, whatever its own timeout.
   */
  deadlineAt?: string;
  connectionId?: string;
  upload: UploadMeta;
  /** The uploaded bytes, stored as an attachment. */
  original: Buffer;
}

export interface FinishedImage {
  index: number;
  title: string;
  status: 'completed' | 'failed';
  mimeType?: string;
  width?: number;
  height?: number;
  error?: string;
  /** How long this image took to generate (or to fail), ms. */
  durationMs?: number;
  /** Encoded image bytes (completed images only); stored as an attachment. */
  data?: Buffer;
}

/** One finished image handed to the store as soon as it is made (`storeImage`). */
export interface ImageToStore {
  index: number;
  mimeType: string;
  /** Encoded image bytes; stored as an attachment. */
  data: Buffer;
}

export interface RequestFinished {
  requestId: string;
  status: 'completed' | 'failed';
  completedAt: string;
  totalTime: string;
  timings: Record<string, number>;
  settings?: CameraSettings;
  analysis?: Analysis;
  images: FinishedImage[];
  imagesGenerated: number;
  calls?: EngineCallRecord[];
  error?: { code: string; message: string; stage: Stage };
  /** Set only for a request rejected at validation, which `startRequest` was never called for. */
  received?: RequestReceived;
}

export interface StoreHealth {
  status: 'ok' | 'degraded' | 'error';
  mode: 'embedded' | 'external';
  /** Server URL with credentials redacted. */
  url: string;
  version?: string;
  databases?: Record<string, unknown>;
  pendingWrites?: number;
  /** False when the server did not answer the health probe (`/db-health` answers 503). */
  reachable?: boolean;
  /** Writes given up since start (queue bound passed, or rejected by the server); each was logged. */
  lostWrites?: number;
  /** Writes the last stop kept in the spool (DATA_DIR/spool) that are not stored yet; they are replayed. */
  spooledWrites?: number;
  error?: string;
}

export interface RequestStore {
  /**
   * Records a request the moment it arrives (status `processing`, no upload yet), so every
   * instance sharing the database knows it while its upload is checked. Resolves when stored or
   * safely queued.
   */
  receiveRequest(request: RequestArrived): Promise<void>;
  /** Records a new request (status `processing`) and its upload, over what `receiveRequest` stored. */
  startRequest(request: RequestStarted): Promise<void>;
  /** Appends one event (imageData stripped) to the request's log, in order. Never throws. */
  appendEvent(event: PipelineEvent): void;
  /**
   * Stores one generated image as soon as it exists, while the others are still being made, so
   * finishing the request leaves only the document update on its critical path. Resolves when
   * stored or safely queued; `finishRequest` stores any image this was not called for.
   */
  storeImage(requestId: string, image: ImageToStore): Promise<void>;
  /**
   * Stores the final result (a failure too, including one at validation) and image attachments;
   * resolves when stored or safely queued.
   */
  finishRequest(result: RequestFinished): Promise<void>;
  health(): Promise<StoreHealth>;
  /** Flushes what can be flushed, then releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
