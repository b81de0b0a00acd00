import { createEngine } from '../../src/engine/createEngine';
import { createSemaphore } from '../../src/util/createSemaphore';
import { captureLogger } from '../support/captureLogger';
import { createFakeGeminiServer } from '../support/gemini/createFakeGeminiServer';
import { makeTestPhoto } from '../support/gemini/makeTestPhoto';
import { waitUntil } from '../hardening/support/waitUntil';

const limits = { maxUploadBytes: 10 * 1024 * 1024, maxImagePixels: 100_000_000 };

describe('createEngine', () => {
  it.each(['local', 'gemini'] as const)('gives the %s engine the decode budget it shares with the upload checks', async (name) => {
    const server = await createFakeGeminiServer();
    const decodeBudget = createSemaphore(1);
    let release = () => undefined as void;
    const holding = decodeBudget.run(() => new Promise<void>((resolve) => (release = resolve)));
    const engine = createEngine({ engine: name, gemini: { apiKey: 'k', baseUrl: server.url }, ...limits }, captureLogger(), { decodeBudget });
    try {
      expect(engine.name).toBe(name);
      const settings = engine.recommendSettings(await makeTestPhoto());
      await waitUntil(() => decodeBudget.waiting === 1, `the ${name} engine's decode to wait for the budget`);
      release();
      await holding;
      await expect(settings).resolves.toMatchObject({ aperture: expect.any(String) });
    } finally {
      release();
      await engine.close();
      await server.close();
    }
  });
});
