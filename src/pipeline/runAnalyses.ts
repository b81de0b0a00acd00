import type { Photo } from '../domain/Photo';
import type { Analysis, CameraSettings } from '../domain/schemas';
import { AppError } from '../errors/AppError';
import type { EngineCallRecord, ImageEngine } from '../engine/ImageEngine';
import type { RequestEmitter } from './createRequestEmitter';
import { roundMs } from './formatMs';
import { describeError } from './describeError';

type AnalysisStage = 'content_analysis' | 'photo_analysis';

/** What the agent that did not fail had delivered (and emitted) by the time the other failed. */
export interface PartialAnalyses {
  settings?: CameraSettings;
  analysis?: Analysis;
}

/** An analysis failure, with the stage that failed and what the other agent had delivered. */
export class AnalysisStageError extends AppError {
  readonly stage: AnalysisStage;
  readonly partial: PartialAnalyses;
  constructor(stage: AnalysisStage, cause: unknown, partial: PartialAnalyses = {}) {
    const reason = describeError(cause);
    const label = stage === 'content_analysis' ? 'Camera settings analysis' : 'Photo analysis';
    super('ANALYSIS_FAILED', `${label} failed: ${reason}`, { cause });
    this.stage = stage;
    this.partial = { ...partial };
  }
}

/**
 * Runs ContentAgent and AnalysisAgent concurrently, emitting each one's event as it finishes.
 * The first failure aborts the other and rejects with an AnalysisStageError that carries the
 * other's result if it had already arrived; one arriving after the failure is dropped, so
 * what was emitted, answered and stored agree.
 * Writes `content_analysis` and `photo_analysis` durations into `timings`.
 */
export async function runAnalyses(args: {
  engine: ImageEngine;
  photo: Photo;
  imageCount: number;
  emitter: RequestEmitter;
  signal: AbortSignal;
  recordCall: (call: EngineCallRecord) => void;
  timings: Record<string, number>;
}): Promise<{ settings: CameraSettings; analysis: Analysis }> {
  const { engine, photo, emitter, timings, recordCall } = args;
  const sibling = new AbortController();
  const signal = AbortSignal.any([args.signal, sibling.signal]);

  const partial: PartialAnalyses = {};
  const stage = async <T>(name: AnalysisStage, work: () => Promise<T>, done: (value: T, durationMs: number) => void): Promise<T> => {
    const started = performance.now();
    let value: T;
    try {
      value = await work();
    } catch (err) {
      sibling.abort();
      throw new AnalysisStageError(name, err, partial);
    }
    // The request has already failed (or been stopped): a late result would follow its failure.
    if (signal.aborted) throw new AnalysisStageError(name, signal.reason, partial);
    const durationMs = roundMs(performance.now() - started);
    timings[name] = durationMs;
    try {
      done(value, durationMs);
    } catch (err) {
      // An event that cannot be published (schema, transport) fails this stage like its agent would.
      sibling.abort();
      throw new AnalysisStageError(name, err, partial);
    }
    return value;
  };

  // allSettled would wait for the slower agent even after the other failed; the abort above
  // stops it, and Promise.all reports the first failure.
  const [settings, analysis] = await Promise.all([
    stage('content_analysis', () => engine.recommendSettings(photo, { signal, recordCall }), (value, durationMs) => {
      emitter.emit({ type: 'content_analysis_complete', settings: value, durationMs, message: 'Camera settings recommendations generated' });
      partial.settings = value;
    }),
    stage('photo_analysis', () => engine.analyzePhoto(photo, args.imageCount, { signal, recordCall }), (value, durationMs) => {
      emitter.emit({
        type: 'photo_analysis_complete',
        analysis: value,
        suggestionsCount: value.suggestions.length,
        durationMs,
        message: `Photo analysis completed with ${value.suggestions.length} improvement suggestions`,
      });
      partial.analysis = value;
    }),
  ]);
  return { settings, analysis };
}
