/**
 * CORS for the browser test page: with CORS_ORIGIN a list, only a listed origin is echoed back
 * (and caches are told the answer depends on Origin); with `*`, every origin is allowed.
 */
import express from 'express';
import request from 'supertest';
import { createCorsMiddleware } from '../../src/http/corsMiddleware';
import { rejectOtherMethods } from '../../src/http/rejectOtherMethods';

/** An app with only the CORS middleware in front of one GET route (which answers the preflight). */
function corsApp(corsOrigin: string): express.Express {
  return express()
    .use(createCorsMiddleware(corsOrigin))
    .get('/thing', (_req, res) => {
      res.json({ ok: true });
    })
    .all('/thing', rejectOtherMethods('GET'));
}

describe('createCorsMiddleware', () => {
  describe('with a list of origins', () => {
    const app = corsApp('https://a.example, https://b.example');

    it('echoes a listed origin and varies on Origin', async () => {
      for (const origin of ['https://a.example', 'https://b.example']) {
        const res = await request(app).get('/thing').set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers.vary).toBe('Origin');
      }
    });

    it('allows no origin that is not listed, on a request or a preflight', async () => {
      const res = await request(app).get('/thing').set('Origin', 'https://evil.example').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      // The refusal depends on Origin too: a cache must not serve it to a listed origin.
      expect(res.headers.vary).toBe('Origin');
      expect((await request(app).get('/thing').expect(200)).headers.vary).toBe('Origin');
      const preflight = await request(app).options('/thing').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers a preflight from a listed origin with 204, the origin echoed and Vary: Origin', async () => {
      const preflight = await request(app).options('/thing').set('Origin', 'https://b.example').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(preflight.headers).toMatchObject({
        'access-control-allow-origin': 'https://b.example',
        vary: 'Origin',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-max-age': '600',
      });
    });
  });

  it('lets a page on another origin ask for a byte range, resume it with If-Range or If-Match, and read the range headers and ETag of the answer', async () => {
    const preflight = await request(corsApp('*')).options('/thing').set('Origin', 'https://a.example').set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'range,if-range,if-none-match,if-match').expect(204);
    const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['range', 'if-range', 'if-none-match', 'if-match']));
    const res = await request(corsApp('*')).get('/thing').set('Origin', 'https://a.example').expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['content-range', 'accept-ranges', 'etag', 'retry-after', 'x-request-id']));
  });

  it('lets a page on another origin read the rate-limit budget every upload answer carries', async () => {
    const res = await request(corsApp('*')).get('/thing').set('Origin', 'https://a.example').expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['ratelimit-limit', 'ratelimit-remaining']));
  });

  it('allows every origin with `*`, without echoing it', async () => {
    const res = await request(corsApp('*')).get('/thing').set('Origin', 'https://anywhere.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
