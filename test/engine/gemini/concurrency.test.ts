import type { ImageEngine } from '../../../src/engine/ImageEngine';
import type { Photo } from '../../../src/domain/Photo';
import { createGeminiEngine } from '../../../src/engine/gemini/createGeminiEngine';
import { createFakeGeminiServer, type FakeGeminiServer } from '../../support/gemini/createFakeGeminiServer';
import { makeTestPhoto } from '../../support/gemini/makeTestPhoto';
import { heldDecodeBudget } from '../../support/heldDecodeBudget';
import { waitUntil } from '../../hardening/support/waitUntil';

const suggestions = [1, 2, 3, 4].map((i) => ({
  title: `Edit ${i}`,
  description: `Why edit ${i} helps.`,
  instruction: `Apply edit number ${i}.`,
}));

describe('Gemini engine concurrency', () => {
  let server: FakeGeminiServer;
  let photo: Photo;
  const engines: ImageEngine[] = [];

  beforeAll(async () => {
    photo = await makeTestPhoto({ width: 160, height: 120 });
  });
  beforeEach(async () => {
    server = await createFakeGeminiServer({ latencyMs: { image: 200 } });
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await server.close();
  });

  const engineWith = (maxConcurrency?: number): ImageEngine => {
    const engine = createGeminiEngine({ apiKey: 'k', baseUrl: server.url, maxConcurrency });
    engines.push(engine);
    return engine;
  };
  const generateAll = (engine: ImageEngine) =>
    Promise.all(suggestions.map((s, i) => engine.generateImage(photo, s, { index: i + 1 })));

  it('runs four image calls in parallel: every call starts before any ends', async () => {
    const images = await generateAll(engineWith());

    expect(images).toHaveLength(4);
    const calls = server.callsWhere({ kind: 'image' });
    expect(calls).toHaveLength(4);
    const lastStart = Math.max(...calls.map((c) => c.startedAt));
    const firstEnd = Math.min(...calls.map((c) => c.endedAt ?? Number.POSITIVE_INFINITY));
    expect(lastStart).toBeLessThan(firstEnd);
    expect(server.maxConcurrent({ kind: 'image' })).toBe(4);
  });

  it('queues calls beyond the concurrency limit instead of failing them', async () => {
    const images = await generateAll(engineWith(2));

    expect(images).toHaveLength(4);
    expect(server.callsWhere({ kind: 'image' }).map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(server.maxConcurrent({ kind: 'image' })).toBe(2);
  });

  it('shares the limit between the stages of one engine', async () => {
    server.addRule({ kind: 'text', latencyMs: 200 });
    const engine = engineWith(1);
    await Promise.all([engine.recommendSettings(photo), engine.analyzePhoto(photo, 4), generateAll(engine)]);

    expect(server.calls).toHaveLength(6);
    expect(server.maxConcurrent()).toBe(1);
  });

  it('does not hold a slot while backing off from a 429', async () => {
    server.addRule({ kind: 'image', promptIncludes: 'edit number 1', times: 1, fault: { type: 'status', status: 429, retryDelay: '0.5s' } });
    const engine = engineWith(1);
    await generateAll(engine);

    const calls = server.callsWhere({ kind: 'image' });
    // The rate-limited call went first, and the others used the slot during its 0.5 s wait.
    expect(calls[0].status).toBe(429);
    expect(calls[1].prompt).not.toContain('edit number 1.');
    expect(calls.map((c) => c.status)).toEqual([429, 200, 200, 200, 200]);
  });

  it('downscales the photo only when the shared decode budget has room, and sends nothing before', async () => {
    const { budget: decodeBudget, release } = heldDecodeBudget();
    const engine = createGeminiEngine({ apiKey: 'k', baseUrl: server.url, decodeBudget });
    engines.push(engine);
    try {
      const settings = engine.recommendSettings(photo);
      await waitUntil(() => decodeBudget.waiting === 1, 'the downscale to wait for the budget');
      expect(server.calls).toHaveLength(0);
      await release();
      await expect(settings).resolves.toMatchObject({ aperture: expect.any(String) });
      expect(server.calls).toHaveLength(1);
      expect(decodeBudget.active).toBe(0);
    } finally {
      await release();
    }
  });

  it("takes a stopped request's downscale out of the decode budget's queue, and sends nothing for it", async () => {
    const { budget: decodeBudget, release } = heldDecodeBudget();
    const engine = createGeminiEngine({ apiKey: 'k', baseUrl: server.url, decodeBudget });
    engines.push(engine);
    try {
      const request = new AbortController();
      const stages = [engine.recommendSettings(photo, { signal: request.signal }), engine.analyzePhoto(photo, 4, { signal: request.signal })];
      for (const stage of stages) stage.catch(() => undefined);
      await waitUntil(() => decodeBudget.waiting === 1, 'the downscale to wait for the budget');
      request.abort(new Error('client left'));
      // Before, the stages went on waiting for the budget, and then sent the photo for nobody.
      await waitUntil(() => decodeBudget.waiting === 0, 'the stopped downscale to leave the queue');
      await Promise.allSettled(stages);
      await release();
      await expect(engine.recommendSettings(photo)).resolves.toMatchObject({ aperture: expect.any(String) });
      expect(server.calls).toHaveLength(1);
    } finally {
      await release();
    }
  });
});

