import { EngineError } from '../../../src/errors/EngineError';
import type { EngineCallRecord, ImageEngine } from '../../../src/engine/ImageEngine';
import { createGeminiEngine, type GeminiEngineOptions } from '../../../src/engine/gemini/createGeminiEngine';
import { createFakeGeminiServer, type FakeGeminiServer } from '../../support/gemini/createFakeGeminiServer';
import { makeTestPhoto } from '../../support/gemini/makeTestPhoto';
import type { Photo } from '../../../src/domain/Photo';

const suggestion = { title: 'Lift the shadows', description: 'Shows detail.', instruction: 'Lift the shadows by one stop.' };

describe('Gemini engine resilience', () => {
  let server: FakeGeminiServer;
  let photo: Photo;
  const engines: ImageEngine[] = [];
  const engineWith = (options: Partial<GeminiEngineOptions> = {}): ImageEngine => {
    const engine = createGeminiEngine({ apiKey: 'k', baseUrl: server.url, retryBaseDelayMs: 5, retryMaxDelayMs: 20, ...options });
    engines.push(engine);
    return engine;
  };

  beforeAll(async () => {
    photo = await makeTestPhoto({ width: 160, height: 120 });
  });
  beforeEach(async () => {
    server = await createFakeGeminiServer();
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await server.close();
  });

  it('retries a 429 and succeeds, waiting the RetryInfo delay the server asked for', async () => {
    server.addRule({ kind: 'text', times: 1, fault: { type: 'status', status: 429, retryDelay: '0.3s' } });
    const records: EngineCallRecord[] = [];
    const settings = await engineWith().recommendSettings(photo, { recordCall: (r) => records.push(r) });

    expect(settings.aperture).toBe('f/4');
    const [first, second] = server.calls;
    expect([first.status, second.status]).toEqual([429, 200]);
    // Back-off alone (≤ 20 ms here) could not explain this gap.
    expect(second.startedAt - (first.endedAt ?? 0)).toBeGreaterThanOrEqual(250);
    expect(records).toEqual([expect.objectContaining({ stage: 'content_analysis', attempts: 2 })]);
  });

  it('honours a Retry-After header on a 503', async () => {
    server.addRule({ kind: 'image', times: 1, fault: { type: 'status', status: 503, retryAfter: '1' } });
    await engineWith().generateImage(photo, suggestion, { index: 1 });

    const [first, second] = server.calls;
    expect([first.status, second.status]).toEqual([503, 200]);
    expect(second.startedAt - (first.endedAt ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('gives up when the server asks for a longer wait than the engine will sit out', async () => {
    server.addRule({ kind: 'text', fault: { type: 'status', status: 429, retryDelay: '45s', message: 'Quota exceeded' } });
    const error = await engineWith({ maxServerRetryDelayMs: 1000 }).recommendSettings(photo).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toMatch(/rate limit or quota exceeded \(429 RESOURCE_EXHAUSTED.*Quota exceeded/);
    expect((error as EngineError).retryAfterMs).toBe(45_000);
    expect(server.calls).toHaveLength(1);
  });

  it('exhausts its retries on repeated 500s and fails with an EngineError', async () => {
    server.addRule({ kind: 'text', fault: { type: 'status', status: 500, message: 'Internal error encountered.' } });
    const records: EngineCallRecord[] = [];
    const error = await engineWith({ maxRetries: 2 })
      .analyzePhoto(photo, 4, { recordCall: (r) => records.push(r) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toMatch(/Gemini server error \(500 INTERNAL/);
    expect((error as EngineError).status).toBe(500);
    expect(server.calls).toHaveLength(3);
    expect(records).toEqual([expect.objectContaining({ stage: 'photo_analysis', attempts: 3 })]);
    expect(records[0].inputTokens).toBeUndefined();
  });

  it('does not retry a 400', async () => {
    server.addRule({ kind: 'text', fault: { type: 'status', status: 400, message: 'Invalid JSON schema' } });
    await expect(engineWith().recommendSettings(photo)).rejects.toThrow(/rejected the request \(400 INVALID_ARGUMENT.*Invalid JSON schema/);
    expect(server.calls).toHaveLength(1);
  });

  it('retries a dropped connection', async () => {
    server.addRule({ kind: 'image', times: 1, fault: { type: 'reset' } });
    const image = await engineWith().generateImage(photo, suggestion, { index: 1 });

    expect(image.width).toBe(160);
    expect(server.calls.map((c) => c.outcome)).toEqual(['fault', 'answered']);
  });

  it('times out a call that hangs, and the server sees the connection closed', async () => {
    server.addRule({ kind: 'image', fault: { type: 'hang' } });
    const error = await engineWith({ timeoutMs: 300 }).generateImage(photo, suggestion, { index: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).message).toBe('Gemini API timeout after 300 ms (gemini-nano-banana-2.1)');
    expect(server.calls).toHaveLength(1);
    await waitFor(() => server.calls[0].outcome === 'aborted');
  });

  it('times out a call whose body never finishes', async () => {
    server.addRule({ kind: 'text', latencyMs: 60_000 });
    await expect(engineWith({ timeoutMs: 200 }).recommendSettings(photo)).rejects.toThrow(/timeout after 200 ms/);
  });

  it('stops when the caller aborts, without retrying', async () => {
    server.addRule({ kind: 'image', fault: { type: 'hang' } });
    const controller = new AbortController();
    const pending = engineWith().generateImage(photo, suggestion, { index: 1, signal: controller.signal });
    await waitFor(() => server.calls.length === 1);
    controller.abort();

    await expect(pending).rejects.toThrow(/^Gemini call cancelled$/);
    await waitFor(() => server.calls[0].outcome === 'aborted');
    expect(server.calls).toHaveLength(1);
  });

  it('aborts in-flight calls on close()', async () => {
    server.addRule({ kind: 'image', fault: { type: 'hang' } });
    const engine = engineWith();
    const pending = engine.generateImage(photo, suggestion, { index: 1 });
    await waitFor(() => server.calls.length === 1);
    await engine.close();

    await expect(pending).rejects.toThrow(EngineError);
  });

  it('reports an unreachable endpoint as a readable EngineError', async () => {
    const url = server.url;
    await server.close();
    const engine = createGeminiEngine({ apiKey: 'k', baseUrl: url, maxRetries: 1, retryBaseDelayMs: 5 });
    engines.push(engine);
    await expect(engine.recommendSettings(photo)).rejects.toThrow(/Gemini API unreachable .*ECONNREFUSED/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}
