/**
 * One resilient upstream call: waits for a concurrency slot, bounds each attempt with a
 * deadline, retries transient failures with back-off, and reports latency, attempts and
 * tokens. Knows nothing about prompts or answers.
 */
import type { GenerateContentConfig, GenerateContentParameters, GenerateContentResponse } from './genaiSdk';
import { EngineError } from '../../errors/EngineError';
import type { Logger } from '../../logging/Logger';
import type { EngineCallRecord } from '../ImageEngine';
import type { Semaphore } from '../../util/createSemaphore';
import { RetriesExhaustedError, retryWithBackoff, type RetryPolicy } from './retryWithBackoff';
import { toEngineError } from './toEngineError';
import { createUpstreamFetch } from './createUpstreamFetch';

/** The SDK surface the engine uses: `GoogleGenAI#models` satisfies it. */
export interface GeminiModelsApi {
  generateContent(params: GenerateContentParameters): Promise<GenerateContentResponse>;
}

/** One logical call (possibly several attempts). */
export interface GeminiCallRequest {
  stage: EngineCallRecord['stage'];
  model: string;
  contents: GenerateContentParameters['contents'];
  /** Without abortSignal/httpOptions: the caller sets those per attempt. */
  config: Omit<GenerateContentConfig, 'abortSignal' | 'httpOptions'>;
  imageIndex?: number;
  signal?: AbortSignal;
  recordCall?: (call: EngineCallRecord) => void;
}

export interface GeminiCaller {
  /** Resolves with the response of the first successful attempt; rejects with an EngineError. */
  generate(request: GeminiCallRequest): Promise<GenerateContentResponse>;
  /** Aborts queued and in-flight calls and refuses new ones. Idempotent. */
  close(): void;
}

export interface GeminiCallerDeps {
  models: GeminiModelsApi;
  semaphore: Semaphore;
  timeoutMs: number;
  /** Largest response body read (decoded bytes); a larger one fails the attempt unretried. */
  maxResponseBytes: number;
  /** Redacted from every response body, so an upstream that echoes it cannot leak it. */
  apiKey?: string;
  retry: RetryPolicy;
  logger?: Logger;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

/** Creates the caller; one per engine, sharing the engine's semaphore. */
export function createGeminiCaller(deps: GeminiCallerDeps): GeminiCaller {
  const now = deps.now ?? (() => performance.now());
  const closing = new AbortController();

  async function attemptOnce(request: GeminiCallRequest, signal: AbortSignal): Promise<GenerateContentResponse> {
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, deps.timeoutMs);
    const onAbort = (): void => attempt.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const upstream = createUpstreamFetch({ maxResponseBytes: deps.maxResponseBytes, apiKey: deps.apiKey, model: request.model });
    try {
      return await deps.models.generateContent({
        model: request.model,
        contents: request.contents,
        config: { ...request.config, abortSignal: attempt.signal, httpOptions: { fetch: upstream.fetch } },
      });
    } catch (error) {
      throw toEngineError(error, {
        model: request.model,
        timedOut,
        timeoutMs: deps.timeoutMs,
        aborted: !timedOut && signal.aborted,
        retryAfterHeader: upstream.retryAfterHeader,
        answered: upstream.answered,
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    async generate(request) {
      if (closing.signal.aborted) throw new EngineError('Gemini engine is closed');
      if (request.signal?.aborted) throw new EngineError('Gemini call cancelled', { cause: request.signal.reason });
      const signal = request.signal ? AbortSignal.any([request.signal, closing.signal]) : closing.signal;
      const started = now();
      const log = deps.logger?.child({ stage: request.stage, model: request.model, imageIndex: request.imageIndex });
      const record = (attempts: number, response?: GenerateContentResponse): void => {
        const usage = response?.usageMetadata;
        request.recordCall?.({
          stage: request.stage,
          model: request.model,
          latencyMs: Math.round((now() - started) * 10) / 10,
          attempts,
          ...(request.imageIndex !== undefined ? { imageIndex: request.imageIndex } : {}),
          ...(usage?.promptTokenCount !== undefined ? { inputTokens: usage.promptTokenCount } : {}),
          // Thinking tokens are billed as output.
          ...(usage?.candidatesTokenCount !== undefined || usage?.thoughtsTokenCount !== undefined
            ? { outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0) }
            : {}),
        });
      };
      try {
        const { value, attempts } = await retryWithBackoff(
          // A slot per attempt: back-off sleeps must not hold a slot others could use.
          () => deps.semaphore.run(() => attemptOnce(request, signal), signal),
          deps.retry,
          {
            signal,
            onRetry: ({ attempt, delayMs, error }) =>
              log?.warn({ attempt, delayMs, status: error.status, err: error.message }, 'Gemini call failed; retrying'),
          },
        );
        record(attempts, value);
        return value;
      } catch (error) {
        const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
        const cause = error instanceof RetriesExhaustedError ? error.error : error;
        const engineError =
          cause instanceof EngineError
            ? cause
            : new EngineError('Gemini call cancelled', { cause }); // aborted while queued or backing off
        record(attempts);
        log?.warn({ attempts, status: engineError.status, err: engineError.message }, 'Gemini call failed');
        throw engineError;
      }
    },
    close() {
      if (!closing.signal.aborted) closing.abort(new EngineError('Gemini engine is closed'));
    },
  };
}
