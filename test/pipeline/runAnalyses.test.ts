/**
 * How runAnalyses words a failed analysis: "<stage> failed: <what happened>", the same for the
 * local engine as for Gemini (test/pipeline/geminiFailureMessages.test.ts); and that the two
 * agents run at the same time (SPEC §4).
 */
import type { Photo } from '../../src/domain/Photo';
import { inspectPhoto } from '../../src/domain/inspectPhoto';
import { createEventBus } from '../../src/events/createEventBus';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createRequestEmitter } from '../../src/pipeline/createRequestEmitter';
import { runAnalyses } from '../../src/pipeline/runAnalyses';
import { realPhotoJpeg } from '../support/images';
import { localEngineWith } from '../support/localEngineWith';

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

  it('runs ContentAgent and AnalysisAgent at the same time: each finishes only once the other has started', async () => {
    const bus = createEventBus({ logger: createLogger({ level: 'silent' }), validate: true });
    const entered = { settings: false, analysis: false };
    /** Waits for the other agent to have started; an agent run alone gives up (a hang guard, not a timing). */
    const otherStarted = async (other: keyof typeof entered) => {
      for (let waited = 0; !entered[other]; waited += 10) {
        if (waited > 10_000) throw new Error(`${other} had not started: the agents ran one after the other`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const engine = localEngineWith((local) => ({
      recommendSettings: async (photo, options) => {
        entered.settings = true;
        await otherStarted('analysis');
        return local.recommendSettings(photo, options);
      },
      analyzePhoto: async (photo, count, options) => {
        entered.analysis = true;
        await otherStarted('settings');
        return local.analyzePhoto(photo, count, options);
      },
    }));
    const { settings, analysis } = await runAnalyses({
      engine,
      photo: await inspectPhoto(await realPhotoJpeg(), { maxPixels: 1e8 }),
      imageCount: 2,
      emitter: createRequestEmitter(bus, 'req_1758260128188_togetherx'),
      signal: new AbortController().signal,
      recordCall: () => undefined,
      timings: {},
    });
    expect(settings.aperture).toEqual(expect.any(String));
    expect(analysis.suggestions).toHaveLength(2);
    await engine.close();
    await bus.close();
  });
});
