/**
 * The local engine's cap on decodes, measurements and renders in flight across requests
 * (maxParallelPixelWork), observed through sharp's own operation counters.
 */
import sharp from 'sharp';
import { EngineError } from '../../../src/errors/EngineError';
import { createLocalEngine } from '../../../src/engine/local/createLocalEngine';
import { chelsea, darkChelsea, toPhoto } from './localTestImages';
import { heldDecodeBudget } from '../../support/heldDecodeBudget';
import { waitUntil } from '../../hardening/support/waitUntil';

/**
 * sharp's operations queued or running in this process, never over-counted. One
 * `sharp.counters()` reads `queue`, then `process`; an operation a worker thread starts between
 * the two reads is counted in both (seen: 3 with two in flight). Reading `process` first and
 * `queue` from a second call can only miss such an operation, never count it twice.
 */
function sharpOperations(): number {
  const running = sharp.counters().process;
  return running + sharp.counters().queue;
}

/**
 * Waits until no sharp operation is in flight: the counters are process-wide, and a test file
 * this jest worker ran before may have left one finishing (an aborted request's render, say).
 */
async function sharpIdle(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sharpOperations() > 0) {
    if (Date.now() > deadline) throw new Error(`sharp still has ${sharpOperations()} operations in flight after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createLocalEngine pixel work across requests', () => {
  /** The most sharp operations queued or running at once (sharp.counters) while two photos get four images each. */
  async function peakSharpOperations(maxParallelPixelWork: number): Promise<{ peak: number; images: Buffer[] }> {
    const photos = [await toPhoto(await chelsea()), await toPhoto(await darkChelsea())];
    await sharpIdle();
    const engine = createLocalEngine({ maxParallelPixelWork });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, sharpOperations());
    }, 1);
    try {
      const analyses = await Promise.all(photos.map((photo) => engine.analyzePhoto(photo, 4)));
      const images = await Promise.all(
        photos.flatMap((photo, p) => analyses[p].suggestions.map((suggestion, i) => engine.generateImage(photo, suggestion, { index: i + 1 }))),
      );
      return { peak, images: images.map((image) => image.data) };
    } finally {
      clearInterval(sampler);
      await engine.close();
    }
  }

  it('starts no more renders at once than maxParallelPixelWork, and renders the same images', async () => {
    const capped = await peakSharpOperations(1);
    const open = await peakSharpOperations(16);
    // Eight renders are ready together: uncapped, their first sharp stages all queue at once.
    expect(open.peak).toBeGreaterThanOrEqual(6);
    // One decode, measurement (two resizes at once) or render at a time.
    expect(capped.peak).toBeLessThanOrEqual(2);
    expect(capped.images.map((b) => b.toString('base64'))).toEqual(open.images.map((b) => b.toString('base64')));
  });

  it('drops a render still waiting for its turn when its request is aborted', async () => {
    const engine = createLocalEngine({ maxParallelPixelWork: 1 });
    try {
      const photo = await toPhoto(await chelsea());
      const [first, second] = (await engine.analyzePhoto(photo, 2)).suggestions;
      const running = engine.generateImage(photo, first, { index: 1 });
      const controller = new AbortController();
      const waiting = engine.generateImage(photo, second, { index: 2, signal: controller.signal });
      controller.abort(new Error('client left'));
      await expect(waiting).rejects.toBeInstanceOf(EngineError);
      await expect(running).resolves.toMatchObject({ mimeType: 'image/jpeg' });
    } finally {
      await engine.close();
    }
  });

  it('decodes a photo only once its megapixels are free in the decode budget it shares with upload checks', async () => {
    const { budget: decodeBudget, release } = heldDecodeBudget();
    const engine = createLocalEngine({ decodeBudget });
    try {
      let settled = false;
      const settings = engine.recommendSettings(await toPhoto(await chelsea())).finally(() => (settled = true));
      await waitUntil(() => decodeBudget.waiting === 1, 'the decode to wait for the budget');
      expect(settled).toBe(false);
      await release();
      await expect(settings).resolves.toMatchObject({ aperture: expect.any(String) });
      expect(decodeBudget.active).toBe(0);
    } finally {
      await release();
      await engine.close();
    }
  });

  it("takes a stopped request's decode out of the decode budget's queue, and decodes for the next caller", async () => {
    const { budget: decodeBudget, release } = heldDecodeBudget();
    const engine = createLocalEngine({ decodeBudget });
    try {
      const photo = await toPhoto(await chelsea());
      const request = new AbortController();
      const stages = [engine.recommendSettings(photo, { signal: request.signal }), engine.analyzePhoto(photo, 4, { signal: request.signal })];
      await waitUntil(() => decodeBudget.waiting === 1, 'the decode to wait for the budget');
      request.abort(new Error('client left'));
      await Promise.allSettled(stages);
      // Before, the decode stayed queued and ran once the budget freed, for nobody.
      expect(decodeBudget.waiting).toBe(0);
      await release();
      await expect(engine.recommendSettings(photo)).resolves.toMatchObject({ aperture: expect.any(String) });
    } finally {
      await release();
      await engine.close();
    }
  });

  it('goes on decoding for the stages still waiting when one stage stops', async () => {
    const { budget: decodeBudget, release } = heldDecodeBudget();
    const engine = createLocalEngine({ decodeBudget });
    try {
      const photo = await toPhoto(await chelsea());
      const stage = new AbortController();
      const stopped = engine.recommendSettings(photo, { signal: stage.signal });
      const patient = engine.analyzePhoto(photo, 4, { signal: new AbortController().signal });
      await waitUntil(() => decodeBudget.waiting === 1, 'the decode to wait for the budget');
      stage.abort(new Error('stage timed out'));
      await expect(stopped).rejects.toThrow();
      expect(decodeBudget.waiting).toBe(1);
      await release();
      await expect(patient).resolves.toMatchObject({ suggestions: expect.any(Array) });
    } finally {
      await release();
      await engine.close();
    }
  });
});
