/**
 * Process safety: a failing event listener or a failing request is logged and contained; the
 * request, the other clients and the other requests carry on.
 */
import sharp from 'sharp';
import type { ImageEngine } from '../../src/engine/ImageEngine';
import { createWsClient } from '../support/createWsClient';
import { expectEventOrder } from '../support/expectEventOrder';
import { realPhotoJpeg, syntheticPhoto } from '../support/images';
import { localEngineWith } from '../support/localEngineWith';
import { startLoggedService, type LoggedService } from './support/startLoggedService';
import { health, upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

/** The real local engine, except that photos exactly 333 px wide make it throw synchronously. */
function engineThatBreaksOn333(stage: 'recommendSettings' | 'generateImage'): ImageEngine {
  const poisoned = (width: number) => width === 333;
  return localEngineWith((inner) => ({
    recommendSettings(photo, options) {
      if (stage === 'recommendSettings' && poisoned(photo.width)) throw new TypeError('boom in recommendSettings');
      return inner.recommendSettings(photo, options);
    },
    generateImage(photo, suggestion, options) {
      if (stage === 'generateImage' && poisoned(photo.width)) throw new TypeError('boom in generateImage');
      return inner.generateImage(photo, suggestion, options);
    },
  }));
}

describe('process safety', () => {
  let service: LoggedService | undefined;
  let photo: Buffer;

  beforeAll(async () => {
    photo = await realPhotoJpeg();
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('keeps a request and its clients going when a bus listener throws or rejects, and logs it with the request id', async () => {
    const svc = (service = await startLoggedService({ IMAGE_COUNT: '2' }));
    let calls = 0;
    svc.bus.subscribe(() => {
      calls += 1;
      throw new Error('listener exploded');
    });
    svc.bus.subscribe((event) => {
      if (event.type === 'processing_completed') return Promise.reject(new Error('async listener exploded'));
      return undefined;
    });
    const [a, b] = await Promise.all([createWsClient(svc.wsUrl), createWsClient(svc.wsUrl)]);

    const res = await upload(svc.httpUrl, photo);
    expect(res.status).toBe(200);
    const requestId = res.body.requestId as string;
    await Promise.all([a, b].map((c) => c.waitFor((m) => m.type === 'processing_completed' && m.requestId === requestId)));
    for (const client of [a, b]) {
      expectEventOrder(client.messages.filter((m) => m.requestId === requestId).map((m) => m.type), 2);
    }
    expect(calls).toBeGreaterThanOrEqual(10);

    const failures = svc.logs.filter((entry) => entry.msg === 'event listener failed');
    expect(failures.length).toBe(calls + 1);
    expect(failures.every((entry) => entry.level === 'error' && entry.fields.requestId === requestId)).toBe(true);
    expect(failures.some((entry) => (entry.fields.err as Error).message === 'async listener exploded')).toBe(true);
    // The store kept every event despite the listener before it failing each time. Events are
    // written in the background, so the last may land just after the client has it.
    const delivered = a.messages.filter((m) => m.requestId === requestId).length;
    const storedCount = async () => ((await (await fetch(`${svc.httpUrl}/requests/${requestId}/events`)).json()) as { count: number }).count;
    await waitUntil(async () => (await storedCount()) >= delivered, 'every event to be stored');
    expect(await storedCount()).toBe(delivered);
    await Promise.all([a.close(), b.close()]);
  });

  it.each([
    ['recommendSettings', 502, 'ANALYSIS_FAILED'],
    ['generateImage', 502, 'IMAGE_GENERATION_FAILED'],
  ] as const)('contains an engine that throws synchronously in %s to its own request', async (stage, status, code) => {
    const svc = (service = await startLoggedService({ IMAGE_COUNT: '2', MAX_CONCURRENT_REQUESTS: '4' }, { engine: engineThatBreaksOn333(stage) }));
    const watcher = await createWsClient(svc.wsUrl);
    const poison = await sharp(await syntheticPhoto({ width: 333, height: 250 })).jpeg().toBuffer();
    const [bad, good, good2] = await Promise.all([upload(svc.httpUrl, poison), upload(svc.httpUrl, photo), upload(svc.httpUrl, photo)]);

    expect(bad.status).toBe(status);
    expect(bad.body.error?.code).toBe(code);
    for (const ok of [good, good2]) {
      expect(ok.status).toBe(200);
      expect(ok.body.imagesGenerated).toBe(2);
    }
    const terminal = (requestId: unknown) => watcher.waitFor((m) => m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error'));
    expect(await terminal(bad.body.requestId)).toMatchObject({ type: 'processing_error' });
    expect(await terminal(good.body.requestId)).toMatchObject({ type: 'processing_completed' });
    expect((await health(svc.httpUrl)).body.requests.running).toBe(0);
    // And the next request is unaffected.
    expect((await upload(svc.httpUrl, photo)).status).toBe(200);
    await watcher.close();
  });
});
