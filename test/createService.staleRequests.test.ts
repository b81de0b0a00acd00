/**
 * A request whose terminal event never came (its instance was killed, Redis lost the event), as
 * the service wires it: /ws-health stops counting it, and its subscribers are told INTERRUPTED,
 * once it has had no event for REQUEST_TIMEOUT_MS + 60 s (the age past which the store's sweep
 * fails such a request too). The WebSocket server's clock is the test's: nothing waits that long.
 */
import request from 'supertest';
import { createWsClient } from './support/createWsClient';
import { startTestService, type TestService } from './support/startTestService';
import { waitUntil } from './hardening/support/waitUntil';

const REQUEST_TIMEOUT_MS = 120_000;
const requestId = 'req_1758260128188_zfubq1yiv';

describe('createService: requests whose last event never comes', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('drops a request from /ws-health and from subscriptions after REQUEST_TIMEOUT_MS + 60 s without an event, not before, and tells its subscriber', async () => {
    const clock = { now: Date.now() };
    service = await startTestService({ WS_DELIVERY: 'subscribed', REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }, { wsNow: () => clock.now });
    const url = service.httpUrl;
    const wsHealth = async () => (await request(url).get('/ws-health').expect(200)).body as { activeRequests: number; subscriptions: number; interruptedRequests: number };
    // As another instance's request arrives: its processing_started, then nothing more.
    service.bus.publish({ type: 'processing_started', requestId, message: 'Image processing initiated', timestamp: new Date(clock.now).toISOString() });
    await waitUntil(async () => (await wsHealth()).activeRequests === 1, 'the request to be active');
    const watcher = await createWsClient(service.wsUrl);
    watcher.socket.send(JSON.stringify({ type: 'subscribe', requestId }));
    await watcher.waitFor((m) => m.type === 'subscribed');

    clock.now += REQUEST_TIMEOUT_MS + 60_000;
    expect(await wsHealth()).toMatchObject({ activeRequests: 1, subscriptions: 1, interruptedRequests: 0 });

    clock.now += 1;
    expect(await wsHealth()).toMatchObject({ activeRequests: 0, subscriptions: 0, interruptedRequests: 1 });
    expect(await watcher.waitFor((m) => m.type === 'processing_error')).toMatchObject({ requestId, code: 'INTERRUPTED', stage: 'validation' });
    expect(service.eventServer.stats().interruptedRequests).toBe(1);
    await watcher.close();
  });
});
