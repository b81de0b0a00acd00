import type { ImageEngine } from '../../../src/engine/ImageEngine';
import { createGeminiEngine, type GeminiEngineOptions } from '../../../src/engine/gemini/createGeminiEngine';
import { createFakeGeminiServer, type FakeGeminiServer, type FakeGeminiServerOptions } from './createFakeGeminiServer';

/** A fake Gemini server and one engine pointed at it. */
export interface GeminiEngineUnderTest {
  server: FakeGeminiServer;
  engine: ImageEngine;
  /** Closes the engine, then the server. */
  close: () => Promise<void>;
}

/**
 * Starts the fake Gemini server and a Gemini engine that talks to it through the real SDK: the
 * set-up the engine tests share. The engine uses the server's key (or 'k') and a 5 ms first
 * back-off step, so retries do not slow the tests; `engine` overrides either.
 */
export async function startGeminiEngine(
  options: { server?: FakeGeminiServerOptions; engine?: Partial<GeminiEngineOptions> } = {},
): Promise<GeminiEngineUnderTest> {
  const server = await createFakeGeminiServer(options.server);
  const engine = createGeminiEngine({
    apiKey: options.server?.apiKey ?? 'k',
    retryBaseDelayMs: 5,
    ...options.engine,
    baseUrl: server.url,
  });
  return {
    server,
    engine,
    close: async () => {
      await engine.close();
      await server.close();
    },
  };
}
