/**
 * The caller's hold on the signals it is given: each attempt listens for an abort only while it
 * runs, so a finished call is not reached by a later abort (and leaves no listener behind).
 */
import { createGeminiCaller, type GeminiModelsApi } from '../../../src/engine/gemini/createGeminiCaller';
import type { GenerateContentResponse } from '../../../src/engine/gemini/genaiSdk';
import { createSemaphore } from '../../../src/util/createSemaphore';

/** A models API that answers at once, keeping the abort signal each attempt was given. */
function answeringModels() {
  const attemptSignals: AbortSignal[] = [];
  const models: GeminiModelsApi = {
    generateContent: async (params) => {
      if (params.config?.abortSignal) attemptSignals.push(params.config.abortSignal);
      return { text: '{}' } as unknown as GenerateContentResponse;
    },
  };
  return { models, attemptSignals };
}

const retry = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxServerDelayMs: 1 };
const request = { stage: 'content_analysis' as const, model: 'gemini-test', contents: 'hello', config: {} };

describe('createGeminiCaller', () => {
  it('stops listening to the caller once a call finishes: closing it later aborts no finished attempt', async () => {
    const { models, attemptSignals } = answeringModels();
    const caller = createGeminiCaller({ models, semaphore: createSemaphore(4), timeoutMs: 60_000, maxResponseBytes: 1024, retry });
    for (let i = 0; i < 5; i += 1) await caller.generate(request);
    expect(attemptSignals).toHaveLength(5);

    caller.close();
    expect(attemptSignals.map((s) => s.aborted)).toEqual([false, false, false, false, false]);
  });

  it('stops listening to the request\'s signal once a call finishes: aborting it later aborts no finished attempt', async () => {
    const { models, attemptSignals } = answeringModels();
    const caller = createGeminiCaller({ models, semaphore: createSemaphore(4), timeoutMs: 60_000, maxResponseBytes: 1024, retry });
    const requestStop = new AbortController();
    for (let i = 0; i < 5; i += 1) await caller.generate({ ...request, signal: requestStop.signal });

    requestStop.abort(new Error('request over'));
    expect(attemptSignals.map((s) => s.aborted)).toEqual([false, false, false, false, false]);
    caller.close();
  });
});
