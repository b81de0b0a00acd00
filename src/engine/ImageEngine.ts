import type { Analysis, CameraSettings, Suggestion } from '../domain/schemas';
import type { Photo } from '../domain/Photo';

export type EngineName = 'local' | 'gemini';

/** One call to an upstream model (or one local operation), for timings and cost reporting. */
export interface EngineCallRecord {
  stage: 'content_analysis' | 'photo_analysis' | 'image_generation';
  model: string;
  latencyMs: number;
  attempts: number;
  inputTokens?: number;
  outputTokens?: number;
  imageIndex?: number;
}

export interface StageOptions {
  /** Aborted when the request is abandoned (client gone, shutdown deadline). */
  signal?: AbortSignal;
  /** Called once per upstream call made for this stage. */
  recordCall?: (call: EngineCallRecord) => void;
}

/** A generated image, already encoded. */
export interface GeneratedImage {
  data: Buffer;
  mimeType: string;
  width: number;
  height: number;
}

/**
 * Where the intelligence comes from. Implementations: the local sharp engine and Gemini.
 * Methods reject with an `EngineError` when the upstream fails; the pipeline maps that to
 * events and HTTP codes.
 */
export interface ImageEngine {
  readonly name: EngineName;
  /** ContentAgent: camera settings for this scene (EXIF-aware). */
  recommendSettings(photo: Photo, options?: StageOptions): Promise<CameraSettings>;
  /** AnalysisAgent: critique plus exactly `count` suggestions. */
  analyzePhoto(photo: Photo, count: number, options?: StageOptions): Promise<Analysis>;
  /** One improved version of the photo following `suggestion`. */
  generateImage(
    photo: Photo,
    suggestion: Suggestion,
    options?: StageOptions & { index: number },
  ): Promise<GeneratedImage>;
  /** Releases timers, sockets and caches. Idempotent. */
  close(): Promise<void>;
}
