/**
 * The slow-loris guards createService sets on its HTTP server: headers within 30 s, the whole
 * request within REQUEST_TIMEOUT_MS + 60 s. Read from the server that answers a request (Node's
 * diagnostics channel hands it over), since waiting 30 s for a real timeout is too slow a test.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type http from 'node:http';
import request from 'supertest';
import { startTestService, type TestService } from './support/startTestService';

describe('createService: HTTP server timeouts', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('gives a client 30 s for its headers and REQUEST_TIMEOUT_MS + 60 s for the whole request', async () => {
    service = await startTestService({ REQUEST_TIMEOUT_MS: '45000' });
    const servers = new Set<http.Server>();
    const onRequest = (message: unknown) => {
      servers.add((message as { server: http.Server }).server);
    };
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
    try {
      await request(service.httpUrl).get('/health');
    } finally {
      diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
    }
    const [server] = [...servers].filter((s) => (s.address() as { port: number } | null)?.port === service?.httpPort);
    expect(server).toBeDefined();
    expect(server.headersTimeout).toBe(30_000);
    expect(server.requestTimeout).toBe(45_000 + 60_000);
  });
});
