/**
 * The WebSocket heartbeat of the service as createService wires it (SPEC §4: the server pings
 * and terminates a client that does not answer): WS_HEARTBEAT_MS (default 30 s, see the config
 * tests) reaches the event server. A short period here, since waiting 30 s is too slow a test.
 */
import WebSocket from 'ws';
import request from 'supertest';
import { createWsClient } from './support/createWsClient';
import { startTestService, type TestService } from './support/startTestService';
import { waitUntil } from './hardening/support/waitUntil';

describe('createService: WebSocket heartbeat', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('pings every client every WS_HEARTBEAT_MS, keeps one that answers and terminates one that does not', async () => {
    service = await startTestService({ WS_HEARTBEAT_MS: '100' });
    const url = service.httpUrl;
    const connections = async () => ((await request(url).get('/ws-health')).body as { connections: number }).connections;
    const silent = await createWsClient(service.wsUrl);
    const healthy = await createWsClient(service.wsUrl);
    let pings = 0;
    healthy.socket.on('ping', () => (pings += 1));
    // Stop reading on the client's TCP socket: pings go unanswered, as with a dead peer.
    (silent.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    await waitUntil(async () => (await connections()) === 1, 'the silent client to be terminated');
    await waitUntil(() => pings >= 3, 'three pings to the client that answers');
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
    expect(await connections()).toBe(1);
    await healthy.close();
    await silent.close();
  });
});
