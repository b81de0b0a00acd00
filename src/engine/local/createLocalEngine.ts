/**
 * The local engine: real image analysis and editing with sharp, no network, deterministic.
 * One decode and one measurement per photo, shared by every stage and render of a request.
 */
import os from 'node:os';
import type { Photo } from '../../domain/Photo';
import type { Analysis, CameraSettings, Suggestion } from '../../domain/schemas';
import { EngineError } from '../../errors/EngineError';
import type { Logger } from '../../logging/Logger';
import type { EngineCallRecord, GeneratedImage, ImageEngine, StageOptions } from '../ImageEngine';
import { throwIfAborted, withAbort } from './abortable';
import { analysePhoto } from './analysePhoto';
import { createPhotoCache } from './createPhotoCache';
import { analyseExposure } from './exposureAnalysis';
import { messageOf } from './messageOf';
import { recipeForSuggestion } from './recipeForSuggestion';
import { recommendSettings } from './recommendSettings';
import { renderEdit } from './renderEdit';
import { createSemaphore, type Semaphore } from '../../util/createSemaphore';
import { createDecodeBudget } from '../../util/createDecodeBudget';

export interface LocalEngineOptions {
  logger?: Logger;
  /** Long edge of generated images in pixels (default 1024); photos are never enlarged. */
  outputMaxEdge?: number;
  /** JPEG quality of generated images (default 85). */
  jpegQuality?: number;
  /** Photos declaring more pixels are refused (default 100 MP; the web layer checks first). */
  maxInputPixels?: number;
  /**
   * Decodes and renders running at once across all requests (default: 2 per CPU). More would
   * not finish sooner on a busy CPU, but each started render holds its pixels while it waits.
   */
  maxParallelPixelWork?: number;
  /**
   * Megapixels being decoded at once, in megapixel slots (default: one of its own of
   * `maxInputPixels`); the service shares one with upload validation, so the two together stay
   * within it. A decode's memory grows with the photo's pixels, not its file size.
   */
  decodeBudget?: Semaphore;
}

/** Model name reported in call records. */
export const LOCAL_MODEL = 'local-sharp';
/** Minimum long edge of the shared working copy: room to crop and still fill the output. */
const WORKING_EDGE = 1600;

/** Creates a local engine instance; each owns its own cache. */
export function createLocalEngine(options: LocalEngineOptions = {}): ImageEngine {
  const outputMaxEdge = positiveInteger(options.outputMaxEdge ?? 1024, 'outputMaxEdge');
  const quality = positiveInteger(options.jpegQuality ?? 85, 'jpegQuality', 100);
  const pixelWork = createSemaphore(positiveInteger(options.maxParallelPixelWork ?? 2 * os.availableParallelism(), 'maxParallelPixelWork'));
  const maxInputPixels = positiveInteger(options.maxInputPixels ?? 100_000_000, 'maxInputPixels');
  const cache = createPhotoCache({
    maxEdge: Math.max(WORKING_EDGE, outputMaxEdge),
    maxInputPixels,
    pixelWork,
    decodeBudget: options.decodeBudget ?? createDecodeBudget(maxInputPixels),
  });
  const logger = options.logger;
  let closed = false;

  async function runStage<T>(
    stage: EngineCallRecord['stage'],
    stageOptions: StageOptions | undefined,
    work: () => Promise<T>,
    imageIndex?: number,
  ): Promise<T> {
    if (closed) throw new EngineError('The local engine has been closed');
    throwIfAborted(stageOptions?.signal);
    const started = performance.now();
    try {
      return await withAbort(
        work().catch((cause: unknown) => {
          if (cause instanceof EngineError) throw cause;
          // The pipeline names the failed stage ("Camera settings analysis failed: …",
          // "Image 2/4 failed: <title> - …"), as for Gemini, so the message is the bare reason.
          throw new EngineError(messageOf(cause), { cause });
        }),
        stageOptions?.signal,
      );
    } finally {
      const latencyMs = performance.now() - started;
      stageOptions?.recordCall?.({ stage, model: LOCAL_MODEL, latencyMs, attempts: 1, ...(imageIndex !== undefined ? { imageIndex } : {}) });
      logger?.debug({ stage, latencyMs: Math.round(latencyMs * 10) / 10, imageIndex }, 'local engine stage finished');
    }
  }

  return {
    name: 'local',

    recommendSettings(photo: Photo, stageOptions?: StageOptions): Promise<CameraSettings> {
      return runStage('content_analysis', stageOptions, async () => {
        const work = cache.get(photo);
        const [metrics, exif] = await Promise.all([work.metrics(stageOptions?.signal), work.exif()]);
        return recommendSettings(metrics, exif);
      });
    },

    analyzePhoto(photo: Photo, count: number, stageOptions?: StageOptions): Promise<Analysis> {
      return runStage('photo_analysis', stageOptions, async () => {
        const work = cache.get(photo);
        const [metrics, exif] = await Promise.all([work.metrics(stageOptions?.signal), work.exif()]);
        return analysePhoto(metrics, exif, count);
      });
    },

    generateImage(
      photo: Photo,
      suggestion: Suggestion,
      stageOptions?: StageOptions & { index: number },
    ): Promise<GeneratedImage> {
      return runStage(
        'image_generation',
        stageOptions,
        async () => {
          try {
            const work = cache.get(photo);
            const [base, metrics, exif] = await Promise.all([work.base(stageOptions?.signal), work.metrics(stageOptions?.signal), work.exif()]);
            const recipe = recipeForSuggestion(suggestion, { metrics, exposure: analyseExposure(metrics, exif) });
            return await pixelWork.run(() => renderEdit(base, recipe, { maxEdge: outputMaxEdge, quality }), stageOptions?.signal);
          } catch (cause) {
            // A stopped request is reported by its stop reason, not by this image.
            if (stageOptions?.signal?.aborted) throw cause;
            throw renderFailure(suggestion, cause);
          }
        },
        stageOptions?.index,
      );
    },

    async close(): Promise<void> {
      closed = true;
      cache.clear();
    },
  };
}

/**
 * What a user is told when an edit fails: the edit, in a sentence. libvips's own words
 * ("VipsJpeg: premature end of JPEG image") mean nothing to them; they stay in `cause`, which
 * the pipeline's log entry for the failed image prints.
 */
function renderFailure(suggestion: Suggestion, cause: unknown): EngineError {
  return new EngineError(`The edit "${suggestion.title}" could not be rendered from this photo.`, { cause, retryable: false });
}

function positiveInteger(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}
