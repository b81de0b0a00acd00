/**
 * What the engine does with answers a hostile or broken upstream can send at the HTTP level,
 * which the SDK takes as they come: redirects, bodies with no end in size, bodies that echo
 * the API key, bodies that arrive but cannot be read.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { createGeminiEngine, type GeminiEngineOptions } from '../../../src/engine/gemini/createGeminiEngine';
import type { ImageEngine } from '../../../src/engine/ImageEngine';
import type { Photo } from '../../../src/domain/Photo';
import { makeTestPhoto } from '../../support/gemini/makeTestPhoto';

const KEY = 'secret-key-4f9a';

/** A server answering every request with `answer`; counts requests and open responses. */
async function startUpstream(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const state = { requests: 0, closedEarly: 0 };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    res.on('close', () => {
      if (!res.writableFinished) state.closedEarly += 1;
    });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('Gemini engine against a hostile upstream', () => {
  let photo: Photo;
  const cleanups: Array<() => Promise<void>> = [];
  const engineFor = (url: string, options: Partial<GeminiEngineOptions> = {}): ImageEngine => {
    const engine = createGeminiEngine({ apiKey: KEY, baseUrl: url, maxRetries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 2, timeoutMs: 5_000, ...options });
    cleanups.push(() => engine.close());
    return engine;
  };
  const upstream = async (answer: Parameters<typeof startUpstream>[0]) => {
    const started = await startUpstream(answer);
    cleanups.push(started.close);
    return started;
  };

  beforeAll(async () => {
    photo = await makeTestPhoto({ width: 160, height: 120 });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('refuses a body over the response limit as it streams in, once, and closes the connection', async () => {
    const { url, state } = await upstream((_req, res) => {
      // Chunked, no content-length: only counting the bytes finds it.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"');
      const chunk = 'A'.repeat(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const engine = engineFor(url, { maxResponseBytes: 1024 * 1024 });
    const suggestion = { title: 'Lift', description: 'd', instruction: 'Lift the shadows.' };

    await expect(engine.generateImage(photo, suggestion, { index: 1 })).rejects.toMatchObject({
      message: 'Gemini sent a response larger than 1 MB, more than any answer it is asked for can be (gemini-nano-banana-2.1)',
      status: 502,
      retryable: false,
    });
    expect(state.requests).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.closedEarly).toBe(1);
  });

  it('refuses a declared length over the limit before reading it', async () => {
    const { url } = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) });
      res.write('{');
    });
    await expect(engineFor(url, { maxResponseBytes: 1024 * 1024 }).recommendSettings(photo)).rejects.toThrow(/larger than 1 MB/);
  });

  it('does not follow a redirect, which would carry the key elsewhere, and names GEMINI_BASE_URL', async () => {
    const elsewhere = await upstream((_req, res) => res.end('{}'));
    const { url, state } = await upstream((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/steal?token=abc` });
      res.end();
    });

    await expect(engineFor(url).recommendSettings(photo)).rejects.toMatchObject({
      message: `Gemini answered with a redirect (307 to ${elsewhere.url}/steal), which is not followed (check GEMINI_BASE_URL) (gemini-3.8-flash)`,
      retryable: false,
    });
    expect(elsewhere.state.requests).toBe(0);
    expect(state.requests).toBe(1);
  });

  it('never passes on the API key when an error body echoes it', async () => {
    const { url } = await upstream((req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 403, status: 'PERMISSION_DENIED', message: `key ${String(req.headers['x-goog-api-key'])} is suspended` } }));
    });

    const error = (await engineFor(url).recommendSettings(photo).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/\(403 PERMISSION_DENIED, gemini-3\.8-flash\): key \[GEMINI_API_KEY\] is suspended$/);
    // Nor anywhere down the cause chain, which the logs print.
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e.message, e.stack ?? '');
    expect(chain.join('\n')).not.toContain(KEY);
  });

  it('calls a 200 whose body cannot be decoded an unreadable response, not an unreachable server', async () => {
    const { url, state } = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    });
    await expect(engineFor(url).recommendSettings(photo)).rejects.toMatchObject({
      message: 'Gemini returned an unreadable response (gemini-3.8-flash): Z_DATA_ERROR',
      status: 502,
    });
    expect(state.requests).toBe(3);
  });

  it('calls a 200 whose JSON is null an unreadable response', async () => {
    const { url } = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('null');
    });
    await expect(engineFor(url).recommendSettings(photo)).rejects.toThrow(/^Gemini returned an unreadable response \(gemini-3\.8-flash\)/);
  });

  it('still reads a gzip-encoded answer', async () => {
    const settings = { aperture: 'f/4', shutter_speed: '1/250', iso: '200', white_balance: 'Daylight', exposure_compensation: '0', reason: 'Bright scene.' };
    const body = JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: JSON.stringify(settings) }] }, finishReason: 'STOP' }] });
    const { url } = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(body));
    });
    await expect(engineFor(url).recommendSettings(photo)).resolves.toMatchObject({ aperture: 'f/4' });
  });
});
