import type { Analysis, CameraSettings } from '../domain/schemas';
import type { EngineCallRecord, EngineName } from '../engine/ImageEngine';

/** One entry of `images` in the response: a generated image, or why it failed. */
export type ImageResult =
  | {
      index: number;
      title: string;
      mimeType: string;
      width: number;
      height: number;
      /** Base64. */
      imageData: string;
      durationMs: number;
    }
  | { index: number; title: string; error: string; durationMs: number };

/** The body of a successful `POST /process-image` (SPEC §3). */
export interface ProcessResult {
  success: true;
  requestId: string;
  engine: EngineName;
  settings: CameraSettings;
  analysis: Analysis;
  images: ImageResult[];
  imagesGenerated: number;
  totalTime: string;
  timings: Record<string, number>;
  calls: EngineCallRecord[];
}
