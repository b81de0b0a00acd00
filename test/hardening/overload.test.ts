/**
 * Overload: a bounded number of pipelines, a small queue, 503 BUSY beyond it, queue depth on
 * /health; and the per-IP rate limit on POST /process-image.
 */
import sharp from 'sharp';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { createGatedEngine, type GatedEngine } from './support/gatedEngine';
import { health, upload } from './support/uploads';
import { waitUntil } from './support/waitUntil';

let photo: Buffer;
/** A 3 MB upload: still being sent when the refusal comes, which the client must be able to read. */
let bigPhoto: Buffer;
beforeAll(async () => {
  photo = await realPhotoJpeg();
  bigPhoto = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .jpeg({ quality: 95 })
    .toBuffer();
});

describe('at the concurrency limit', () => {
  let service: TestService;
  let engine: GatedEngine;

  beforeEach(async () => {
    engine = createGatedEngine(createLocalEngine());
    service = await startTestService({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '1', IMAGE_COUNT: '1' }, { engine });
  });
  afterEach(async () => {
    engine.open();
    await service.close();
  });

  it('runs one, queues one, and answers the third with 503 BUSY and Retry-After; /health shows the queue', async () => {
    const watcher = await createWsClient(service.wsUrl);
    const first = upload(service.httpUrl, photo);
    await engine.waitForEntered(2);
    const second = upload(service.httpUrl, photo);
    await waitUntil(async () => (await health(service.httpUrl)).body.requests.queued === 1, 'the second upload to queue');

    const during = await health(service.httpUrl);
    expect(during.status).toBe(200);
    expect(during.body.requests).toEqual({ running: 1, queued: 1, max: 1, maxQueue: 1 });

    expect(bigPhoto.length).toBeGreaterThan(2 * 1024 * 1024);
    const third = await upload(service.httpUrl, bigPhoto);
    expect(third.status).toBe(503);
    expect(third.body).toMatchObject({ success: false, error: { code: 'BUSY', message: expect.stringContaining('1 concurrent') } });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Neither the queued nor the refused upload has started: their bodies were not read.
    expect(watcher.messages.filter((m) => m.type === 'processing_started')).toHaveLength(1);

    engine.open();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await health(service.httpUrl)).body.requests).toMatchObject({ running: 0, queued: 0 });
    // The refused client may simply try again.
    expect((await upload(service.httpUrl, photo)).status).toBe(200);
    await watcher.close();
  });
});

describe('the per-IP rate limit', () => {
  it('is off by default', async () => {
    const service = await startTestService({ IMAGE_COUNT: '1' });
    try {
      const results = await Promise.all([1, 2, 3].map(() => upload(service.httpUrl, photo)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results[0].headers.get('ratelimit-limit')).toBeNull();
    } finally {
      await service.close();
    }
  });

  it('answers an address over RATE_LIMIT_PER_MINUTE with 429 RATE_LIMITED and Retry-After, other addresses unaffected', async () => {
    const service = await startTestService({ IMAGE_COUNT: '1', RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const watcher = await createWsClient(service.wsUrl);
      expect((await upload(service.httpUrl, photo)).status).toBe(200);
      const second = await upload(service.httpUrl, photo);
      expect(second.status).toBe(200);
      expect(second.headers.get('ratelimit-limit')).toBe('2');
      expect(second.headers.get('ratelimit-remaining')).toBe('0');

      const third = await upload(service.httpUrl, bigPhoto);
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ success: false, error: { code: 'RATE_LIMITED', message: expect.stringContaining('2 per minute') } });
      const retryAfter = Number(third.headers.get('retry-after'));
      // One token comes back every 30 s at 2 per minute.
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      // Refused before any event, and it took no slot.
      expect(watcher.messages.filter((m) => m.type === 'processing_started')).toHaveLength(2);
      expect((await health(service.httpUrl)).body.requests.running).toBe(0);

      // Another client address (through a trusted loopback proxy) has its own budget.
      const other = await upload(service.httpUrl, photo, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
      expect(other.status).toBe(200);
      // Other routes are not limited.
      expect((await health(service.httpUrl)).status).toBe(200);
      await watcher.close();
    } finally {
      await service.close();
    }
  });
});
