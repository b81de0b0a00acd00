/**
 * Hostile WebSocket handshakes against the real service with WS_AUTH_TOKEN set: the token check
 * reads the request target, which a client chooses byte for byte.
 */
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createWsClient } from '../support/createWsClient';
import { realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { rawWebSocket } from './support/rawWebSocket';
import { upload } from './support/uploads';

describe('hostile WebSocket handshakes with WS_AUTH_TOKEN set', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ IMAGE_COUNT: '1', WS_AUTH_TOKEN: 's3cret' });
  });
  afterAll(async () => {
    await service.close();
  });

  it('refuses request targets that are no URL (`//a:99999/`) with 1008, and keeps streaming to a client with the token', async () => {
    // `new URL` reads `//a:99999/` as a host with an impossible port and throws: thrown in the
    // connection handler, that was an uncaught exception, which stops the whole process.
    for (const target of ['//a:99999/', '//[/?token=wrong']) {
      const ws = await rawWebSocket(service.wsPort, { path: target });
      expect(ws.handshake.status).toBe(101);
      expect(await ws.closeFrame).toEqual({ code: CLOSE_CODES.UNAUTHORIZED, reason: 'Unauthorized' });
    }
    const client = await createWsClient(`${service.wsUrl}/?token=s3cret`);
    try {
      const res = await upload(service.httpUrl, await realPhotoJpeg(), { headers: { 'X-Connection-Id': client.connectionId } });
      expect(res.status).toBe(200);
      await client.waitFor((m) => m.type === 'processing_completed' && m.requestId === res.body.requestId);
    } finally {
      await client.close();
    }
  });
});
