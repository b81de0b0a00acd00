/**
 * Every route of the running service answers a method it does not serve with 405 and an
 * `Allow` header, and keeps 404 for paths that do not exist.
 */
import request from 'supertest';
import { startTestService, type TestService } from '../support/startTestService';

describe('methods a path does not serve', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.close();
  });

  it.each([
    ['PUT', '/process-image', 'POST, OPTIONS'],
    ['GET', '/process-image', 'POST, OPTIONS'],
    ['DELETE', '/process-image', 'POST, OPTIONS'],
    ['POST', '/health', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/ws-health', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/db-health', 'GET, HEAD, OPTIONS'],
    ['POST', '/', 'GET, HEAD, OPTIONS'],
    ['POST', '/websocket-test.html', 'GET, HEAD, OPTIONS'],
    ['POST', '/requests', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/requests/req_1758260128188_zfubq1yiv', 'GET, HEAD, OPTIONS'],
    ['PUT', '/requests/req_1758260128188_zfubq1yiv/images/1', 'GET, HEAD, OPTIONS'],
    ['POST', '/requests/req_1758260128188_zfubq1yiv/original', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/requests/req_1758260128188_zfubq1yiv/events', 'GET, HEAD, OPTIONS'],
  ])('answers %s %s with 405 METHOD_NOT_ALLOWED and Allow: %s', async (method, path, allow) => {
    const res = await request(service.httpUrl)[method.toLowerCase() as 'put'](path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body).toEqual({
      success: false,
      error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining(`${method} is not allowed on ${path}`) },
    });
  });

  it('still answers a path that does not exist with 404 NOT_FOUND, whatever the method', async () => {
    for (const method of ['get', 'post', 'delete'] as const) {
      const res = await request(service.httpUrl)[method]('/process-images');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('serves HEAD where GET is served', async () => {
    const res = await request(service.httpUrl).head('/health');
    expect(res.status).toBe(200);
  });
});
