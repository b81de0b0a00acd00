/**
 * The Gemini engine: ContentAgent and AnalysisAgent on a text+vision model with
 * schema-constrained JSON, and one image-model edit of the photo per suggestion.
 */
import type { z } from 'zod';
import { GoogleGenAI } from './genaiSdk';
import type { Photo } from '../../domain/Photo';
import type { Analysis, CameraSettings, Suggestion } from '../../domain/schemas';
import { EngineError } from '../../errors/EngineError';
import type { Logger } from '../../logging/Logger';
import type { GeneratedImage, ImageEngine, StageOptions } from '../ImageEngine';
import { createGeminiCaller, type GeminiModelsApi } from './createGeminiCaller';
import { createSemaphore } from '../../util/createSemaphore';
import {
  DEFAULT_GEMINI_IMAGE_MODEL,
  DEFAULT_GEMINI_INPUT_MAX_EDGE,
  DEFAULT_GEMINI_MAX_IMAGE_BYTES,
  DEFAULT_GEMINI_MAX_IMAGE_PIXELS,
  DEFAULT_GEMINI_MAX_CONCURRENCY,
  DEFAULT_GEMINI_MAX_RETRIES,
  DEFAULT_GEMINI_MAX_SERVER_RETRY_DELAY_MS,
  DEFAULT_GEMINI_RETRY_BASE_DELAY_MS,
  DEFAULT_GEMINI_RETRY_MAX_DELAY_MS,
  DEFAULT_GEMINI_TEXT_MODEL,
  DEFAULT_GEMINI_TIMEOUT_MS,
} from './defaults';
import { prepareInputImage, type InlineImage } from './prepareInputImage';
import type { Semaphore } from '../../util/createSemaphore';
import { decodeWeight } from '../../util/createDecodeBudget';
import { shareUntilAbandoned } from '../../util/shareUntilAbandoned';
import { analysisPrompt, COACH_SYSTEM_INSTRUCTION, imageEditPrompt, settingsPrompt } from './prompts';
import { readShotWith } from '../../domain/describeShotWith';
import { readImageAnswer, readJsonAnswer } from './readResponse';
import {
  AnalysisAnswerSchema,
  analysisResponseJsonSchema,
  SettingsAnswerSchema,
  settingsResponseJsonSchema,
} from './responseSchemas';

/** Options of `createGeminiEngine`; the service config maps GEMINI_* variables onto them. */
export interface GeminiEngineOptions {
  apiKey: string;
  /** Another endpoint speaking the Gemini REST protocol (proxy, test server). */
  baseUrl?: string;
  textModel?: string;
  imageModel?: string;
  /** Deadline of one attempt, ms. */
  timeoutMs?: number;
  /** Retries after the first attempt on 408/429/5xx and network errors. */
  maxRetries?: number;
  /** Upstream calls in flight at once for this engine; more calls queue. */
  maxConcurrency?: number;
  /** First back-off step, ms (tests shorten it). */
  retryBaseDelayMs?: number;
  /** Cap of one back-off wait, ms. */
  retryMaxDelayMs?: number;
  /** Longest server-requested retry delay to wait out, ms; longer ones fail the call. */
  maxServerRetryDelayMs?: number;
  /** Longest edge of the photo sent upstream, px. */
  inputMaxEdge?: number;
  /** A generated image with more bytes than this becomes that image's error (the service passes MAX_UPLOAD_MB). */
  maxImageBytes?: number;
  /**
   * A generated image declaring more pixels than this becomes that image's error, and an uploaded
   * photo of up to this many is decoded (MAX_IMAGE_PIXELS).
   */
  maxImagePixels?: number;
  /** Largest response body read, decoded bytes; defaults to room for two images of maxImageBytes. */
  maxResponseBytes?: number;
  logger?: Logger;
  /** Replaces the SDK's `models` API (a proxy or recording wrapper); defaults to `@google/genai`. */
  models?: GeminiModelsApi;
  /**
   * Megapixels being decoded at once, shared with the upload checks (createService passes one):
   * downscaling the photo decodes it whole first. Without it each photo is downscaled at once.
   */
  decodeBudget?: Semaphore;
}

/** Creates the Gemini engine. Nothing is sent until a method is called. */
export function createGeminiEngine(options: GeminiEngineOptions): ImageEngine {
  if (!options.apiKey && !options.models) throw new EngineError('GEMINI_API_KEY is required for the gemini engine');
  const textModel = options.textModel || DEFAULT_GEMINI_TEXT_MODEL;
  const imageModel = options.imageModel || DEFAULT_GEMINI_IMAGE_MODEL;
  const inputMaxEdge = options.inputMaxEdge ?? DEFAULT_GEMINI_INPUT_MAX_EDGE;
  const imageLimits = {
    maxBytes: options.maxImageBytes ?? DEFAULT_GEMINI_MAX_IMAGE_BYTES,
    maxPixels: options.maxImagePixels ?? DEFAULT_GEMINI_MAX_IMAGE_PIXELS,
  };
  const logger = options.logger?.child({ engine: 'gemini' });

  const models =
    options.models ??
    new GoogleGenAI({
      apiKey: options.apiKey,
      // Retries are ours (with RetryInfo support), so the SDK's own retry stays off.
      httpOptions: options.baseUrl ? { baseUrl: options.baseUrl } : {},
    }).models;

  const caller = createGeminiCaller({
    models,
    apiKey: options.apiKey,
    maxResponseBytes: options.maxResponseBytes ?? maxResponseBytesFor(imageLimits.maxBytes),
    semaphore: createSemaphore(options.maxConcurrency ?? DEFAULT_GEMINI_MAX_CONCURRENCY),
    timeoutMs: options.timeoutMs ?? DEFAULT_GEMINI_TIMEOUT_MS,
    retry: {
      maxRetries: options.maxRetries ?? DEFAULT_GEMINI_MAX_RETRIES,
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_GEMINI_RETRY_BASE_DELAY_MS,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_GEMINI_RETRY_MAX_DELAY_MS,
      maxServerDelayMs: options.maxServerRetryDelayMs ?? DEFAULT_GEMINI_MAX_SERVER_RETRY_DELAY_MS,
    },
    logger,
  });

  // The same photo goes out in six calls; downscale it once. Keyed by the buffer, held weakly.
  // A downscale waiting for the decode budget leaves its queue once every call has stopped.
  const prepared = new WeakMap<Buffer, (signal?: AbortSignal) => Promise<InlineImage>>();
  const inlineImage = (photo: Photo, signal?: AbortSignal): Promise<InlineImage> => {
    let image = prepared.get(photo.decodable);
    if (!image) {
      const prepare = () => prepareInputImage(photo.decodable, inputMaxEdge, imageLimits.maxPixels);
      const budget = options.decodeBudget;
      image = shareUntilAbandoned((shared) => (budget ? budget.run(prepare, shared, decodeWeight(photo.width, photo.height)) : prepare()));
      prepared.set(photo.decodable, image);
    }
    return image(signal);
  };
  const photoParts = async (photo: Photo, text: string, signal?: AbortSignal) => {
    const image = await inlineImage(photo, signal);
    return [{ role: 'user', parts: [{ inlineData: { mimeType: image.mimeType, data: image.data } }, { text }] }];
  };

  // Both agents ask the text model for schema-constrained JSON about the photo.
  const askForJson = async <T>(
    photo: Photo,
    stage: StageOptions,
    ask: {
      stage: 'content_analysis' | 'photo_analysis';
      prompt: string;
      responseJsonSchema: unknown;
      schema: z.ZodType<T>;
    },
  ): Promise<T> => {
    const response = await caller.generate({
      stage: ask.stage,
      model: textModel,
      contents: await photoParts(photo, ask.prompt, stage.signal),
      config: {
        systemInstruction: COACH_SYSTEM_INSTRUCTION,
        responseMimeType: 'application/json',
        responseJsonSchema: ask.responseJsonSchema,
      },
      signal: stage.signal,
      recordCall: stage.recordCall,
    });
    return readJsonAnswer(response, ask.schema);
  };

  return {
    name: 'gemini',

    async recommendSettings(photo: Photo, stage: StageOptions = {}): Promise<CameraSettings> {
      const exif = await readShotWith(photo.decodable);
      const answer = await askForJson(photo, stage, {
        stage: 'content_analysis',
        prompt: settingsPrompt(exif),
        responseJsonSchema: settingsResponseJsonSchema(),
        schema: SettingsAnswerSchema,
      });
      return exif ? { ...answer, current: exif } : answer;
    },

    async analyzePhoto(photo: Photo, count: number, stage: StageOptions = {}): Promise<Analysis> {
      const answer = await askForJson(photo, stage, {
        stage: 'photo_analysis',
        prompt: analysisPrompt(count),
        responseJsonSchema: analysisResponseJsonSchema(count),
        schema: AnalysisAnswerSchema,
      });
      if (answer.suggestions.length < count) {
        throw new EngineError(`Gemini returned ${answer.suggestions.length} suggestions where ${count} were asked for`, { status: 502 });
      }
      return { ...answer, suggestions: answer.suggestions.slice(0, count) };
    },

    async generateImage(
      photo: Photo,
      suggestion: Suggestion,
      stage: StageOptions & { index: number },
    ): Promise<GeneratedImage> {
      const response = await caller.generate({
        stage: 'image_generation',
        model: imageModel,
        contents: await photoParts(photo, imageEditPrompt(suggestion), stage.signal),
        // TEXT too: image models may answer with a sentence beside the image, and saying why
        // there is no image is more useful than a bare failure.
        config: { responseModalities: ['IMAGE', 'TEXT'] },
        imageIndex: stage.index,
        signal: stage.signal,
        recordCall: stage.recordCall,
      });
      return readImageAnswer(response, imageLimits);
    },

    async close(): Promise<void> {
      caller.close();
    },
  };
}

/**
 * Room for two images of `maxImageBytes` in base64 (an image model that thinks may send an
 * interim image as a thought part beside the final one) and 1 MB of JSON and text around them.
 * An upstream that sends more is refused as it arrives, not buffered whole: 700 MB answers to
 * four image calls took the process to 5 GB.
 */
function maxResponseBytesFor(maxImageBytes: number): number {
  return 2 * Math.ceil(maxImageBytes / 3) * 4 + 1024 * 1024;
}
