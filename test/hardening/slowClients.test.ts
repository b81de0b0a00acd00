/**
 * A WebSocket client that stops reading while real requests stream megabytes of image events:
 * it alone is closed with SLOW_CONSUMER (4000) once its send buffer would pass
 * WS_MAX_BUFFERED_MB, and every other client receives every event.
 */
import sharp from 'sharp';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createWsClient } from '../support/createWsClient';
import { startTestService, type TestService } from '../support/startTestService';
import { upload } from './support/uploads';

describe('a slow WebSocket client', () => {
  let service: TestService;

  afterEach(async () => {
    await service.close();
  });

  it('is closed with 4000 while a fast client receives every event of every request', async () => {
    service = await startTestService({ IMAGE_COUNT: '8', WS_MAX_BUFFERED_MB: '1' });
    // Noise compresses badly: each generated image is large, so each request streams megabytes.
    const noisy = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const [slow, fast] = await Promise.all([createWsClient(service.wsUrl), createWsClient(service.wsUrl)]);
    // Stop reading on the slow client's TCP socket; the kernel buffers fill, then the server's.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const requestIds: string[] = [];
    // Loopback kernel buffers absorb a few MB first; keep streaming until the cap is hit.
    for (let i = 0; i < 8 && service.eventServer.stats().slowConsumersClosed === 0; i += 1) {
      const res = await upload(service.httpUrl, noisy);
      expect(res.status).toBe(200);
      requestIds.push(res.body.requestId as string);
    }
    expect(service.eventServer.stats()).toMatchObject({ slowConsumersClosed: 1, connections: 1 });

    for (const requestId of requestIds) {
      await fast.waitFor((m) => m.type === 'processing_completed' && m.requestId === requestId);
      const events = fast.messages.filter((m) => m.requestId === requestId);
      expect(events.filter((m) => m.type === 'individual_image_completed')).toHaveLength(8);
    }

    // Once it reads again, the slow client finds the SLOW_CONSUMER close (or was cut off after
    // the close-handshake grace period, which it sees as 1006).
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.closed;
    expect([CLOSE_CODES.SLOW_CONSUMER, 1006]).toContain(closed.code);
    // It never got the whole stream: the server dropped it rather than buffer without bound.
    const slowImages = slow.messages.filter((m) => m.type === 'individual_image_completed').length;
    expect(slowImages).toBeLessThan(8 * requestIds.length);

    await fast.close();
    // Up to 8 requests of 8 large images: CPU-bound, slow on a shared 2-core machine.
  }, 120_000);
});
