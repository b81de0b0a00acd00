/**
 * What Node's HTTP parser refuses before Express sees a request, answered by the real service:
 * the same error JSON as every other failure, and the service keeps serving.
 */
import request from 'supertest';
import { connectRaw, jsonBody, parseResponse, rawExchange, readUntilClosed } from '../hardening/support/rawHttp';
import { startTestService, type TestService } from '../support/startTestService';

describe('answerClientError', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.close();
  });

  it('answers a URL past the 16 KB header limit with 431 HEADERS_TOO_LARGE as error JSON, and keeps serving', async () => {
    const response = await rawExchange(service.httpPort, `GET /requests?cursor=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(jsonBody(response)).toEqual({ success: false, error: { code: 'HEADERS_TOO_LARGE', message: expect.stringContaining('16384 bytes') } });
    await request(service.httpUrl).get('/health').expect(200);
  });

  it('answers bytes that are not HTTP with 400 MALFORMED_REQUEST as error JSON', async () => {
    const response = await rawExchange(service.httpPort, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n');
    expect(response.status).toBe(400);
    expect(jsonBody(response)).toMatchObject({ success: false, error: { code: 'MALFORMED_REQUEST' } });
  });

  it('answers an oversized second request on a keep-alive connection after a whole first answer, without corrupting it', async () => {
    const socket = await connectRaw(service.httpPort);
    const answer = readUntilClosed(socket);
    socket.write('GET /ws-health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    socket.write(`GET /requests?cursor=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const raw = (await answer).toString('latin1');
    const second = raw.indexOf('HTTP/1.1 431');
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    expect(second).toBeGreaterThan(0);
    expect(jsonBody(parseResponse(Buffer.from(raw.slice(second), 'latin1'))).error?.code).toBe('HEADERS_TOO_LARGE');
  });
});

describe('answerClientError: CORS headers on what Node refuses', () => {
  const longGet = (origin: string) => `GET /requests?cursor=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${origin}\r\n\r\n`;

  it('lets any origin read a 431 when CORS_ORIGIN is *', async () => {
    const service = await startTestService();
    try {
      const response = await rawExchange(service.httpPort, longGet('http://page.example'));
      expect(response.status).toBe(431);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers.vary).toBeUndefined();
    } finally {
      await service.close();
    }
  });

  it('names a listed origin found among the refused bytes, and never an unlisted one', async () => {
    const service = await startTestService({ CORS_ORIGIN: 'http://app.example, http://other.example' });
    try {
      const listed = await rawExchange(service.httpPort, longGet('http://other.example'));
      expect(listed.status).toBe(431);
      expect(listed.headers['access-control-allow-origin']).toBe('http://other.example');
      expect(listed.headers.vary).toBe('Origin');
      const unlisted = await rawExchange(service.httpPort, longGet('http://evil.example'));
      expect(unlisted.status).toBe(431);
      expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
      expect(unlisted.headers.vary).toBe('Origin');
    } finally {
      await service.close();
    }
  });
});
