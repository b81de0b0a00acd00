/**
 * The process-image use case: validate the upload, run ContentAgent and AnalysisAgent
 * concurrently, then generate one image per suggestion in parallel — emitting every stage
 * event of SPEC §4 in order and storing the request as it goes.
 */
import { createHeicDecoder, type HeicDecoder } from '../domain/heic/createHeicDecoder';
import { inspectPhoto } from '../domain/inspectPhoto';
import type { Photo } from '../domain/Photo';
import { AppError, isAppError } from '../errors/AppError';
import type { ErrorCode } from '../errors/errorCodes';
import type { EventBus } from '../events/createEventBus';
import type { Stage } from '../events/eventSchemas';
import type { EngineCallRecord, ImageEngine } from '../engine/ImageEngine';
import type { Logger } from '../logging/Logger';
import type { FinishedImage, RequestReceived, RequestStore } from '../store/RequestStore';
import { createRequestEmitter } from './createRequestEmitter';
import { formatMs, roundMs } from './formatMs';
import { createDeadline } from '../util/createDeadline';
import { createDecodeBudget } from '../util/createDecodeBudget';
import type { Semaphore } from '../util/createSemaphore';
import { sha256Hex } from '../util/sha256Hex';
import { processingErrorMessage } from './processingErrorMessage';
import { describeError } from './describeError';
import { generateImages } from './generateImages';
import { AnalysisStageError, runAnalyses } from './runAnalyses';
import { stopReason } from './stopReason';
import type { ProcessResult } from './ProcessResult';

export interface ProcessInput {
  requestId: string;
  upload: Buffer;
  originalName?: string;
  /** The WebSocket connection that started this request, echoed in `processing_started`. */
  connectionId?: string;
  /** When the upload arrived (performance.now()); totalTime counts from here. */
  startedAt?: number;
  signal?: AbortSignal;
}

/** Set by a running request: fails it at once (`Pipeline.abandonAll`). */
interface RequestControl {
  /** Rejects with the failure it answered, or resolves when the request was already ending. */
  abandon?: () => Promise<void>;
}

/** A request this instance is processing: what a reader can be told before its record is stored. */
export interface InFlightRequest {
  requestId: string;
  engine: ImageEngine['name'];
  createdAt: string;
}

export interface Pipeline {
  /** Resolves with the response body, or rejects with an AppError after `processing_error`. */
  process(input: ProcessInput): Promise<ProcessResult>;
  /** The request while this pipeline runs it (its record may not be stored yet), else undefined. */
  inFlight(requestId: string): InFlightRequest | undefined;
  /**
   * Fails every request still running, now, with the reason its signal was aborted with, without
   * waiting for its stages: its failure is stored, `processing_error` is emitted and `process`
   * rejects, so its client is answered. For the shutdown, after a stage ignored the abort (an
   * engine call that cannot be cancelled). Resolves once each has answered.
   */
  abandonAll(): Promise<void>;
}

export interface PipelineOptions {
  engine: ImageEngine;
  bus: EventBus;
  logger: Logger;
  store?: RequestStore;
  imageCount: number;
  maxImagePixels: number;
  requestTimeoutMs: number;
  /** Decodes HEVC HEIC uploads (iPhone photos). Default: one with its default concurrency. */
  heicDecoder?: HeicDecoder;
  /** Megapixels being decoded at once, shared with the engine (default: one of `maxImagePixels`). */
  decodeBudget?: Semaphore;
}

/**
 * The process-image use case: validation, both agents at once, then one image per suggestion
 * in parallel, emitting SPEC §4's events in order with exactly one terminal event, and storing
 * the request as it goes. Each request runs under its own REQUEST_TIMEOUT_MS deadline.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { engine, bus, store, imageCount } = options;
  const heicDecoder = options.heicDecoder ?? createHeicDecoder();
  const decodeBudget = options.decodeBudget ?? createDecodeBudget(options.maxImagePixels);
  const running = new Map<string, InFlightRequest>();
  /** How to fail each running request at once (see `abandonAll`). */
  const abandoners = new Map<string, () => Promise<void>>();

  return {
    async process(input) {
      const deadline = createDeadline(options.requestTimeoutMs, [input.signal]);
      // When the upload arrived: the stored request's createdAt whether or not its bytes pass.
      const createdAt = new Date().toISOString();
      running.set(input.requestId, { requestId: input.requestId, engine: engine.name, createdAt });
      const control: RequestControl = {};
      // Settles when abandoned, or never; the request's own outcome wins otherwise.
      const abandoned = new Promise<never>((_resolve, reject) => {
        abandoners.set(input.requestId, async () => {
          try {
            await control.abandon?.();
          } catch (err) {
            reject(err);
          }
        });
      });
      const outcome = processRequest(input, deadline.signal, createdAt, control);
      // Its eventual outcome is of no one's concern once abandoned (fail() has logged it).
      outcome.catch(() => undefined);
      try {
        return await Promise.race([outcome, abandoned]);
      } finally {
        running.delete(input.requestId);
        abandoners.delete(input.requestId);
        deadline.clear();
      }
    },
    inFlight: (requestId) => running.get(requestId),
    async abandonAll() {
      await Promise.all([...abandoners.values()].map((abandon) => abandon()));
    },
  };

  /** One request, start to terminal event; `signal` aborts at the deadline or on shutdown. */
  async function processRequest(input: ProcessInput, signal: AbortSignal, createdAt: string, control: RequestControl): Promise<ProcessResult> {
    const { requestId } = input;
    const logger = options.logger.child({ requestId });
    const t0 = input.startedAt ?? performance.now();
    const elapsed = () => performance.now() - t0;
    const emitter = createRequestEmitter(bus, requestId);
    const timings: Record<string, number> = {};
    const calls: EngineCallRecord[] = [];
    const recordCall = (call: EngineCallRecord) => calls.push(call);
    let stored: Promise<void> = Promise.resolve();
    /** The stage running now, which an abandoned request failed in. */
    let stage: Stage = 'validation';
    let ended = false;
    const deadlineAt = new Date(Date.parse(createdAt) + options.requestTimeoutMs).toISOString();

    emitter.emit({
      type: 'processing_started',
      message: 'Image processing initiated',
      ...(input.connectionId ? { connectionId: input.connectionId } : {}),
      timeoutMs: options.requestTimeoutMs,
    });
    // Stored at once, while the upload is checked: an instance sharing the database that did not
    // receive the request (it cannot see this one's memory) answers `processing` for it, not 404.
    if (store) {
      stored = store
        .receiveRequest({ requestId, engine: engine.name, createdAt, deadlineAt, connectionId: input.connectionId })
        .catch((err: unknown) => logger.error({ err }, 'storing the request failed'));
    }

    const fail = async (stage: Stage, code: ErrorCode, err: unknown, partial: Record<string, unknown> = {}): Promise<never> => {
      // Abandoned (or already failed): its failure is stored and emitted; a late stage changes nothing.
      if (ended) throw isAppError(err) ? err : new AppError(code, describeError(err), { cause: err });
      ended = true;
      // Why the request was stopped (its deadline, the client leaving, the shutdown deadline)
      // explains the failure better than what the stopped stage reported ("aborted").
      const stopped = signal.aborted ? stopReason(signal.reason) : undefined;
      const appError = stopped ?? (isAppError(err) ? err : new AppError(code, describeError(err), { cause: err }));
      const totalTime = formatMs(elapsed());
      // A client's bad upload is routine; an upstream failure deserves the stack.
      if (appError.status < 500) logger.info({ stage, code: appError.code, reason: appError.message }, 'request rejected');
      else logger.warn({ err, stage, code: appError.code }, 'request failed');
      if (store) {
        await stored;
        await store.finishRequest({
          requestId,
          status: 'failed',
          completedAt: new Date().toISOString(),
          totalTime,
          timings: { ...timings, total: roundMs(elapsed()) },
          settings: partial.settings as ProcessResult['settings'] | undefined,
          analysis: partial.analysis as ProcessResult['analysis'] | undefined,
          images: (partial.finishedImages as FinishedImage[] | undefined) ?? [],
          imagesGenerated: (partial.imagesGenerated as number | undefined) ?? 0,
          calls,
          error: { code: appError.code, message: appError.message, stage },
          // Validation comes before the start record, so the failure carries what it would have said.
          received: stage === 'validation' ? receivedOf(input, createdAt) : undefined,
        });
      }
      emitter.emit({ type: 'processing_error', error: appError.message, code: appError.code, stage, totalTime, message: processingErrorMessage(stage, appError.message) });
      const { finishedImages: _omit, ...details } = partial;
      throw new AppError(appError.code, appError.message, { cause: err, headers: appError.headers, details: { ...details, totalTime } });
    };

    // Not once the request is ending on its own: its outcome is about to be answered.
    control.abandon = async () => {
      if (!ended) await fail(stage, 'SHUTTING_DOWN', signal.reason);
    };

    // 1. Validation: the bytes, not the client's Content-Type.
    let photo: Photo;
    const tValidation = performance.now();
    try {
      photo = await inspectPhoto(input.upload, { maxPixels: options.maxImagePixels, originalName: input.originalName, heicDecoder, signal, decodeBudget });
    } catch (err) {
      timings.validation = roundMs(performance.now() - tValidation);
      return fail('validation', 'INVALID_IMAGE', err);
    }
    timings.validation = roundMs(performance.now() - tValidation);
    if (store) {
      stored = store.startRequest({
        requestId,
        engine: engine.name,
        createdAt,
        deadlineAt,
        connectionId: input.connectionId,
        upload: { size: photo.size, format: photo.format, mimeType: photo.mimeType, width: photo.width, height: photo.height, sha256: photo.sha256, originalName: photo.originalName },
        original: photo.buffer,
      }).catch((err: unknown) => logger.error({ err }, 'storing the request failed'));
    }

    // 2. ContentAgent and AnalysisAgent, concurrently. The first failure stops the other.
    stage = 'photo_analysis';
    emitter.emit({ type: 'analysis_started', message: 'AI analysis started: camera settings and photo critique' });
    const tAnalysis = performance.now();
    let settings: ProcessResult['settings'];
    let analysis: ProcessResult['analysis'];
    try {
      ({ settings, analysis } = await runAnalyses({ engine, photo, imageCount, emitter, signal, recordCall, timings }));
    } catch (err) {
      // What the other agent delivered (and emitted) is still answered and stored.
      if (err instanceof AnalysisStageError) return fail(err.stage, 'ANALYSIS_FAILED', err, { ...err.partial });
      return fail('photo_analysis', 'ANALYSIS_FAILED', err);
    }
    timings.analysis = roundMs(performance.now() - tAnalysis);

    // 3. One image per suggestion, all in parallel.
    const suggestions = analysis.suggestions.slice(0, imageCount);
    stage = 'image_generation';
    const tImages = performance.now();
    emitter.emit({ type: 'image_generation_started', totalImages: suggestions.length, message: `Generating ${suggestions.length} improved images in parallel` });
    // Each image is stored as it finishes, behind the start record in the request's write lane.
    const storeImage = store
      ? (index: number, image: { mimeType: string; data: Buffer }) => {
          store.storeImage(requestId, { index, mimeType: image.mimeType, data: image.data }).catch((err: unknown) => logger.error({ err, imageIndex: index }, 'storing an image failed'));
        }
      : undefined;
    const { results, bytes } = await generateImages({ engine, photo, suggestions, emitter, logger, signal, recordCall, onImage: storeImage });
    const imageDuration = performance.now() - tImages;
    timings.image_generation = roundMs(imageDuration);
    const imagesGenerated = bytes.size;
    const finishedImages: FinishedImage[] = results.map((r) =>
      'error' in r
        ? { index: r.index, title: r.title, status: 'failed', error: r.error, durationMs: r.durationMs }
        : { index: r.index, title: r.title, status: 'completed', mimeType: r.mimeType, width: r.width, height: r.height, durationMs: r.durationMs, data: bytes.get(r.index) },
    );

    // Stopped (deadline, client gone, shutdown) before every image was done: the request failed
    // for that reason, with what was finished included, not a success with images missing.
    const stopped = signal.aborted && imagesGenerated < suggestions.length ? stopReason(signal.reason) : undefined;
    if (imagesGenerated === 0 || stopped) {
      const error = stopped ? `${imagesGenerated} of ${suggestions.length} images were generated: ${stopped.message}` : `All ${suggestions.length} images failed to generate`;
      emitter.emit({ type: 'image_generation_error', error, durationMs: roundMs(imageDuration), message: error });
      const cause = stopped ?? new AppError('IMAGE_GENERATION_FAILED', error);
      return fail('image_generation', 'IMAGE_GENERATION_FAILED', cause, { settings, analysis, images: results, imagesGenerated, finishedImages });
    }
    emitter.emit({
      type: 'image_generation_completed',
      imagesGenerated,
      totalImages: suggestions.length,
      totalTime: formatMs(imageDuration),
      durationMs: roundMs(imageDuration),
      message: `Image generation completed: ${imagesGenerated}/${suggestions.length} images in ${formatMs(imageDuration)}ms`,
    });

    // 4. Store the result before answering, so GET /requests/:id works at once.
    if (ended) throw new AppError('SHUTTING_DOWN', 'The request was abandoned');
    ended = true;
    timings.total = roundMs(elapsed());
    const totalTime = formatMs(elapsed());
    if (store) {
      await stored;
      await store.finishRequest({ requestId, status: 'completed', completedAt: new Date().toISOString(), totalTime, timings, settings, analysis, images: finishedImages, imagesGenerated, calls });
    }
    emitter.emit({ type: 'processing_completed', totalTime, imagesGenerated, durationMs: roundMs(elapsed()), message: `Processing completed successfully in ${totalTime}ms` });
    return { success: true, requestId, engine: engine.name, settings, analysis, images: results, imagesGenerated, totalTime, timings, calls };
  }

  /** What a request rejected at validation is stored with: no photo, only the bytes' size and hash. */
  function receivedOf(input: ProcessInput, createdAt: string): RequestReceived {
    return {
      engine: engine.name,
      createdAt,
      connectionId: input.connectionId,
      upload: { size: input.upload.length, sha256: sha256Hex(input.upload), originalName: input.originalName },
    };
  }
}
