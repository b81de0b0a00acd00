import fs from 'node:fs';
import workerThreads, { type Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { createHeicDecoder, HeicDecodeError } from '../../../src/domain/heic/createHeicDecoder';
import { FIXTURE_PHOTO, HEVC_HEIC_FIXTURE, ROTATED_HEIC_FIXTURE } from '../../support/images';

/** Mean absolute difference per channel value between RGBA pixels and the fixture photo at that size. */
async function differenceFromFixture(image: { width: number; height: number; data: Buffer }): Promise<number> {
  const expected = await sharp(FIXTURE_PHOTO).resize(image.width, image.height, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
  let total = 0;
  for (let i = 0; i < expected.length; i += 1) total += Math.abs(expected[i] - image.data[i]);
  return total / expected.length;
}

/** Lets queued decodes take their turns (they acquire their slots asynchronously). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createHeicDecoder', () => {
  const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);

  it('decodes an HEVC HEIC to RGBA pixels of the photo', async () => {
    const image = await createHeicDecoder().decode(heic);
    expect(image).toMatchObject({ width: 320, height: 213 });
    expect(image.data.length).toBe(320 * 213 * 4);
    expect(await differenceFromFixture(image)).toBeLessThan(6);
  });

  it('applies the HEIF rotation, so pixels stored sideways come out upright', async () => {
    const image = await createHeicDecoder().decode(fs.readFileSync(ROTATED_HEIC_FIXTURE));
    expect(image).toMatchObject({ width: 240, height: 160 });
    expect(await differenceFromFixture(image)).toBeLessThan(6);
  });

  it('rejects truncated image data with HeicDecodeError carrying libheif’s reason', async () => {
    const err = await createHeicDecoder().decode(heic.subarray(0, heic.length - 200)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeicDecodeError);
    expect((err as Error).message).toMatch(/corrupt or truncated \(libheif: .+\)/);
  });

  it('rejects bytes that are not HEIF at all', async () => {
    await expect(createHeicDecoder().decode(Buffer.from('not a heif file, just words'))).rejects.toBeInstanceOf(HeicDecodeError);
  });

  it('decodes off the main thread: timers keep firing while a photo decodes', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    try {
      await createHeicDecoder().decode(heic);
    } finally {
      clearInterval(timer);
    }
    // Loading the WebAssembly build and decoding takes well over 20 ms; a blocked loop would tick at most once.
    expect(ticks).toBeGreaterThanOrEqual(4);
  });

  it('stops a decode when its signal aborts, rejecting with the reason, and frees its slot', async () => {
    const decoder = createHeicDecoder({ maxConcurrent: 1 });
    const controller = new AbortController();
    const decoding = decoder.decode(heic, { signal: controller.signal });
    await turn();
    expect(decoder.active).toBe(1);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(decoding).rejects.toBe(reason);
    expect(decoder.active).toBe(0);
    await expect(decoder.decode(heic)).resolves.toMatchObject({ width: 320 });
  });

  it('ends the worker thread of an aborted decode instead of letting it finish the photo', async () => {
    // Watch the worker threads the decoder starts (the real ones, only observed).
    const RealWorker = workerThreads.Worker;
    const workers: Worker[] = [];
    const spy = jest.spyOn(workerThreads, 'Worker').mockImplementation((...args: ConstructorParameters<typeof Worker>) => {
      const worker = new RealWorker(...args);
      workers.push(worker);
      return worker;
    });
    try {
      const controller = new AbortController();
      const decoding = createHeicDecoder().decode(heic, { signal: controller.signal });
      await turn();
      expect(workers).toHaveLength(1);
      const exited = new Promise<void>((resolve) => workers[0].once('exit', () => resolve()));
      let answered = false;
      workers[0].once('message', () => (answered = true));
      controller.abort(new Error('deadline'));
      await expect(decoding).rejects.toThrow('deadline');
      // The thread ends without ever answering: it was stopped, not left to decode the photo.
      await exited;
      expect(answered).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it('runs at most maxConcurrent decodes; the others wait, and a waiter can give up', async () => {
    const decoder = createHeicDecoder({ maxConcurrent: 1 });
    const first = decoder.decode(heic);
    const second = decoder.decode(heic);
    const controller = new AbortController();
    const third = decoder.decode(heic, { signal: controller.signal });
    await turn();
    expect([decoder.active, decoder.waiting]).toEqual([1, 2]);
    controller.abort(new Error('client left'));
    await expect(third).rejects.toThrow('client left');
    expect(decoder.waiting).toBe(1);
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect([decoder.active, decoder.waiting]).toEqual([0, 0]);
  });

  it('caps megapixels decoding at once: a photo that would pass the budget waits its turn', async () => {
    const decoder = createHeicDecoder({ maxConcurrent: 4, maxMegapixels: 10 });
    const first = decoder.decode(heic, { pixels: 8e6 });
    const second = decoder.decode(heic, { pixels: 8e6 });
    const small = decoder.decode(heic, { pixels: 1e6 });
    // 8 MP running; the next 8 MP and (FIFO) the 1 MP behind it wait, though a slot is free.
    await turn();
    expect([decoder.active, decoder.waiting]).toEqual([1, 2]);
    await first;
    await expect(Promise.all([second, small])).resolves.toHaveLength(2);
    expect([decoder.active, decoder.waiting]).toEqual([0, 0]);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const decoder = createHeicDecoder();
    await expect(decoder.decode(heic, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(decoder.active).toBe(0);
  });
});
