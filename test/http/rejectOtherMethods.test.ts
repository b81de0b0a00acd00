/**
 * Every route of the running service answers a method it does not serve with 405 and an
 * `Allow` header, answers OPTIONS with 204 and the same `Allow`, and keeps 404 for paths that
 * do not exist.
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

  it.each([
    ['/process-image', 'POST, OPTIONS'],
    ['/health', 'GET, HEAD, OPTIONS'],
    ['/ws-health', 'GET, HEAD, OPTIONS'],
    ['/db-health', 'GET, HEAD, OPTIONS'],
    ['/', 'GET, HEAD, OPTIONS'],
    ['/websocket-test.html', 'GET, HEAD, OPTIONS'],
    ['/requests', 'GET, HEAD, OPTIONS'],
    ['/requests/req_1758260128188_zfubq1yiv', 'GET, HEAD, OPTIONS'],
    ['/requests/req_1758260128188_zfubq1yiv/images/1', 'GET, HEAD, OPTIONS'],
    ['/requests/req_1758260128188_zfubq1yiv/original', 'GET, HEAD, OPTIONS'],
    ['/requests/req_1758260128188_zfubq1yiv/events', 'GET, HEAD, OPTIONS'],
  ])('answers OPTIONS %s with 204 and Allow: %s, keeping the CORS preflight headers', async (path, allow) => {
    const res = await request(service.httpUrl).options(path).set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-max-age': '600',
    });
    expect(res.text).toBe('');
  });

  it('answers OPTIONS on a path that does not exist with 404 NOT_FOUND, not a 204 claiming it does', async () => {
    for (const path of ['/process-images', '/requests/req_1758260128188_zfubq1yiv/nothing', '/no/such/path']) {
      const res = await request(service.httpUrl).options(path).set('Origin', 'https://app.example');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: `No route for OPTIONS ${path}` } });
      expect(res.headers.allow).toBeUndefined();
    }
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
