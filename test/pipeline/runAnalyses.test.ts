/**
 * How runAnalyses words a failed analysis: "<stage> failed: <what happened>", the same for the
 * local engine as for Gemini (test/pipeline/geminiFailureMessages.test.ts).
 */
import type { Photo } from '../../src/domain/Photo';
import { createEventBus } from '../../src/events/createEventBus';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createRequestEmitter } from '../../src/pipeline/createRequestEmitter';
import { runAnalyses } from '../../src/pipeline/runAnalyses';

describe('runAnalyses', () => {
  it('words an unexpected local-engine failure "<stage> failed: <what happened>", without the engine\'s own prefix', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }), validate: true });
    const engine = createLocalEngine();
    // Not a photo: the engine fails with a plain TypeError, not one of its own EngineErrors.
    const notAPhoto = null as unknown as Photo;
    const err = (await runAnalyses({
      engine,
      photo: notAPhoto,
      imageCount: 2,
      emitter: createRequestEmitter(bus, 'req_1758260128188_localfail'),
      signal: new AbortController().signal,
      recordCall: () => undefined,
      timings: {},
    }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('ANALYSIS_FAILED');
    expect(err.message).toMatch(/^(Camera settings|Photo) analysis failed: Invalid value used as weak map key$/);
    expect(err.message.match(/analysis failed/gi)).toHaveLength(1);
    await engine.close();
    await bus.close();
  });
});
