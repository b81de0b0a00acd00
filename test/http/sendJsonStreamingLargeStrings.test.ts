import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { sendJsonStreamingLargeStrings } from '../../src/http/sendJsonStreamingLargeStrings';

/** A real server answering `value` through the function under test, or through res.json. */
async function serve(value: unknown): Promise<{ get(path: string): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>; close(): Promise<void> }> {
  const app = express();
  app.get('/streamed', (_req, res) => sendJsonStreamingLargeStrings(res, value));
  app.get('/json', (_req, res) => {
    res.json(value);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        http
          .get(`http://127.0.0.1:${port}${path}`, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
          })
          .on('error', reject);
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('sendJsonStreamingLargeStrings', () => {
  it('answers the same bytes, type and length as res.json, with several large base64 strings', async () => {
    const image = () => randomBytes(200_000).toString('base64');
    const value = {
      success: true,
      note: 'ünïcödé — and "quotes", a \\ backslash, and a token-like @@large-string-x@@',
      images: [{ index: 1, imageData: image() }, { index: 2, error: 'failed' }, { index: 3, imageData: image() }],
      // Large but not base64: left to JSON.stringify's escaping.
      log: 'line\n'.repeat(20_000),
    };
    const server = await serve(value);
    try {
      const streamed = await server.get('/streamed');
      const reference = await server.get('/json');
      expect(streamed.body.equals(reference.body)).toBe(true);
      expect(JSON.parse(streamed.body.toString('utf8'))).toEqual(value);
      expect(streamed.headers['content-type']).toBe(reference.headers['content-type']);
      expect(Number(streamed.headers['content-length'])).toBe(streamed.body.length);
    } finally {
      await server.close();
    }
  });

  it('answers a value without large strings like res.json too', async () => {
    const value = { success: false, items: [1, 'two', null], nested: { ok: true } };
    const server = await serve(value);
    try {
      expect((await server.get('/streamed')).body.toString()).toBe(JSON.stringify(value));
    } finally {
      await server.close();
    }
  });
});
