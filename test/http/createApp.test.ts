/**
 * The app's routing at its edges, built with createApp directly: the test page's paths when
 * the page file is not there, whose X-Forwarded-For the per-IP rate limit believes, and the
 * drain gate's refusals, and that no error answer may be cached.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import os from 'node:os';
import request from 'supertest';
import { createApp, type AppDeps } from '../../src/http/createApp';
import { createRateLimiter } from '../../src/http/createRateLimiter';
import { createEventBus } from '../../src/events/createEventBus';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createLogger } from '../../src/logging/createLogger';
import { createConcurrencyLimiter } from '../../src/pipeline/createConcurrencyLimiter';
import { createPipeline } from '../../src/pipeline/createPipeline';
import { connectRaw, parseResponse, readOneResponse } from '../hardening/support/rawHttp';

describe('createApp', () => {
  const logger = createLogger({ level: 'silent' });
  const engine = createLocalEngine();
  const bus = createEventBus({ logger });
  afterAll(async () => {
    await engine.close();
    await bus.close();
  });

  function appWithPage(testPagePath: string, extra: Partial<AppDeps> = {}) {
    return createApp({
      pipeline: createPipeline({ engine, bus, logger, imageCount: 1, maxImagePixels: 1e8, requestTimeoutMs: 60_000 }),
      limiter: createConcurrencyLimiter({ max: 1, maxQueue: 0 }),
      logger,
      engine: 'local',
      version: '0.0.0-test',
      eventServer: { stats: () => ({ status: 'running', port: 4001, connections: 0, activeRequests: 0, subscriptions: 0, eventsBroadcast: 0, messagesSent: 0, slowConsumersClosed: 0, interruptedRequests: 0 }) },
      isDraining: () => false,
      maxUploadBytes: 1024 * 1024,
      corsOrigin: '*',
      testPagePath,
      ...extra,
    });
  }

  it('answers / with 404 for every method when the test page file is missing, never a 405 offering GET', async () => {
    const app = appWithPage(path.join(os.tmpdir(), 'no-such-dir', 'websocket-test.html'));
    for (const method of ['get', 'post', 'put'] as const) {
      const res = await request(app)[method]('/');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect(res.headers.allow).toBeUndefined();
    }
  });

  describe('the per-IP rate limit behind proxies', () => {
    const limiters: Array<{ close(): void }> = [];
    afterAll(() => limiters.forEach((limiter) => limiter.close()));

    /** The status of one upload attempt from 127.0.0.1 claiming to forward `forwardedFor`. */
    function postingAs(trustProxy: AppDeps['trustProxy']) {
      const limiter = createRateLimiter({ perMinute: 1 });
      limiters.push(limiter);
      const app = appWithPage(path.join(os.tmpdir(), 'no-page.html'), { rateLimit: limiter.middleware, trustProxy });
      return async (forwardedFor: string) => (await request(app).post('/process-image').set('X-Forwarded-For', forwardedFor)).status;
    }

    it('counts each forwarded client separately when the proxy is trusted (loopback by default, or by hop count)', async () => {
      for (const trustProxy of [undefined, 1]) {
        const post = postingAs(trustProxy);
        expect(await post('203.0.113.7')).not.toBe(429);
        expect(await post('198.51.100.9')).not.toBe(429);
        expect(await post('203.0.113.7')).toBe(429);
      }
    });

    it('counts by the connecting address when the sender is not a trusted proxy, so a forged header escapes nothing', async () => {
      const post = postingAs(['10.0.0.0/8']);
      expect(await post('203.0.113.7')).not.toBe(429);
      expect(await post('198.51.100.9')).toBe(429);
    });
  });

  it('while draining, refuses a keep-alive request with 503 SHUTTING_DOWN and Connection: close, and closes the connection', async () => {
    const server = http.createServer(appWithPage(path.join(os.tmpdir(), 'no-page.html'), { isDraining: () => true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = await connectRaw((server.address() as AddressInfo).port);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const answer = readOneResponse(socket);
      // Keep-alive by default in HTTP/1.1: a pooled client (a load balancer) would reuse it.
      socket.write('GET /requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const response = parseResponse(await answer);
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers.connection).toBe('close');
      await closed;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('while draining, still answers a preflight, so a browser can read the 503 of the request that follows', async () => {
    const app = appWithPage(path.join(os.tmpdir(), 'no-page.html'), { isDraining: () => true });
    const preflight = await request(app).options('/process-image').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(preflight.headers.allow).toBe('POST, OPTIONS');
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    await request(app).post('/process-image').set('Origin', 'https://app.example').expect(503);
  });

  it('serves the page and answers other methods with 405 when the file is there', async () => {
    const app = appWithPage(path.resolve(__dirname, '../../websocket-test.html'));
    await request(app).get('/').expect(200).expect('Content-Type', /text\/html/);
    const posted = await request(app).post('/websocket-test.html').expect(405);
    expect(posted.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('marks every error answer uncacheable, so no proxy replays a 404, 405, 400 or 503 after the moment has passed', async () => {
    const app = appWithPage(path.join(os.tmpdir(), 'no-page.html'));
    const answers = [
      await request(app).get('/requests/req_1758260128188_zfubq1yi').expect(404),
      await request(app).put('/process-image').expect(405),
      await request(app).post('/process-image').expect(400),
      await request(appWithPage(path.join(os.tmpdir(), 'no-page.html'), { isDraining: () => true })).get('/anything').expect(503),
    ];
    for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
  });
});
