import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { PipelineEventSchema, REQUEST_ID_PATTERN, ServerMessageSchema } from '../../src/events/eventSchemas';
import { createWsClient, type ReceivedMessage, type WsClient } from '../support/createWsClient';
import { expectEventOrder } from '../support/expectEventOrder';
import { expectSpecEvents } from '../support/expectSpecEvents';
import { noise, realPhotoJpeg, syntheticPhoto } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';

describe('POST /process-image on the local engine', () => {
  let service: TestService;
  const clients: WsClient[] = [];
  let photo: Buffer;

  beforeAll(async () => {
    service = await startTestService();
    photo = await realPhotoJpeg();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await service.close();
  });

  async function connect(): Promise<WsClient> {
    const client = await createWsClient(service.wsUrl);
    clients.push(client);
    return client;
  }

  const eventsOf = (client: WsClient, requestId: string) => client.messages.filter((m) => m.requestId === requestId);
  const terminal = (requestId: string) => (m: ReceivedMessage) =>
    m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error');

  it('streams the identical, ordered event sequence to two clients and answers with the full result', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.connectionId).not.toBe(b.connectionId);

    const res = await request(service.httpUrl)
      .post('/process-image')
      .set('X-Connection-Id', a.connectionId)
      .attach('image', photo, { filename: 'chelsea.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(200);
    const body = res.body;
    await Promise.all([a.waitFor(terminal(body.requestId)), b.waitFor(terminal(body.requestId))]);

    const seqA = eventsOf(a, body.requestId);
    const seqB = eventsOf(b, body.requestId);
    expect(seqA).toEqual(seqB);
    expectEventOrder(seqA.map((e) => e.type), 4);
    for (const event of [a.messages[0], ...seqA]) {
      const parsed = ServerMessageSchema.safeParse(event);
      if (!parsed.success) throw new Error(`${event.type}: ${parsed.error.message}`);
    }
    // SPEC §4's fields, checked apart from the schemas (which could drift with the code).
    expectSpecEvents([a.messages[0], ...seqA]);
    expect(seqA.find((e) => e.type === 'image_generation_started')?.totalImages).toBe(4);
    expect(seqA[0]).toMatchObject({ type: 'processing_started', connectionId: a.connectionId });
    expect(seqA.at(-1)).toMatchObject({
      type: 'processing_completed',
      imagesGenerated: 4,
      totalTime: body.totalTime,
      message: `Processing completed successfully in ${body.totalTime}ms`,
    });
    const completed = seqA.filter((e) => e.type === 'individual_image_completed');
    for (const e of completed) {
      expect(e.message).toBe(`Image ${String(e.imageIndex)}/4 generated successfully: ${String(e.title)}`);
    }

    // The body (SPEC §3).
    expect(body).toMatchObject({ success: true, engine: 'local', imagesGenerated: 4 });
    expect(body.requestId).toMatch(REQUEST_ID_PATTERN);
    expect(res.headers['x-request-id']).toBe(body.requestId);
    expect(body.totalTime).toMatch(/^\d+\.\d{2}$/);
    expect(Object.keys(body.timings)).toEqual(expect.arrayContaining(['content_analysis', 'photo_analysis', 'image_generation']));
    expect(body.settings).toEqual(seqA.find((e) => e.type === 'content_analysis_complete')?.settings);
    expect(body.analysis.suggestions).toHaveLength(4);
    // SPEC §1/§3's fields, apart from the schemas: the three settings, a summary, scores, and
    // per suggestion a short title, an explanation and an edit instruction.
    expect(body.settings).toMatchObject({ aperture: expect.stringMatching(/^f\/\d/), shutter_speed: expect.any(String), iso: expect.stringMatching(/^\d+$/) });
    expect(body.analysis).toMatchObject({ summary: expect.any(String), scores: expect.any(Object) });
    for (const s of body.analysis.suggestions) {
      expect(s).toMatchObject({ title: expect.any(String), description: expect.any(String), instruction: expect.any(String) });
      expect([s.title.length > 0, s.title.length <= 120, s.description.length > 0, s.instruction.length > 0]).toEqual([true, true, true, true]);
    }
    expect(body.images.map((i: { index: number }) => i.index)).toEqual([1, 2, 3, 4]);
    for (const image of body.images) {
      expect(image.title).toBe(body.analysis.suggestions[image.index - 1].title);
      const bytes = Buffer.from(image.imageData, 'base64');
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([image.width, image.height]);
      // The streamed image is the same image the body carries.
      expect(completed.find((e) => e.imageIndex === image.index)?.imageData).toBe(image.imageData);
    }
  });

  it('gives a dark photo and a bright photo different exposure advice', async () => {
    const [dark, bright] = await Promise.all([syntheticPhoto({ brightness: 0.25 }), syntheticPhoto({ brightness: 1.6 })]);
    const post = (bytes: Buffer) => request(service.httpUrl).post('/process-image').attach('image', bytes, 'p.jpg');
    const [d, b] = await Promise.all([post(dark), post(bright)]);
    expect(d.status).toBe(200);
    expect(b.status).toBe(200);
    const ev = (s: string) => parseFloat(s.replace(/[^0-9.+-]/g, '')) || 0;
    expect(ev(d.body.settings.exposure_compensation)).toBeGreaterThan(ev(b.body.settings.exposure_compensation));
    expect(d.body.settings).not.toEqual(b.body.settings);
    expect(d.body.analysis.scores.exposure).not.toEqual(b.body.analysis.scores.exposure);
  });

  it('processes a grayscale PNG', async () => {
    const gray = await sharp(await syntheticPhoto({ format: 'png' })).grayscale().png().toBuffer();
    const res = await request(service.httpUrl).post('/process-image').attach('image', gray, { filename: 'gray.png', contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.body.imagesGenerated).toBe(4);
  });

  it.each([
    ['text/plain', 'notes.txt'],
    ['image/png', 'photo.png'],
    ['application/octet-stream', 'photo.bin'],
  ])('processes a JPEG whose part says %s (named %s): the format is read from the bytes', async (contentType, filename) => {
    const res = await request(service.httpUrl).post('/process-image').attach('image', photo, { filename, contentType });
    expect(res.status).toBe(200);
    expect(res.body.imagesGenerated).toBe(4);
  });

  it('accepts the connection id as a form field', async () => {
    const client = await connect();
    const res = await request(service.httpUrl).post('/process-image').field('connectionId', client.connectionId).attach('image', photo, 'p.jpg');
    expect(res.status).toBe(200);
    const started = await client.waitFor((m) => m.type === 'processing_started' && m.requestId === res.body.requestId);
    expect(started.connectionId).toBe(client.connectionId);
  });

  it('takes the form field when an X-Connection-Id header is sent empty', async () => {
    const client = await connect();
    const res = await request(service.httpUrl)
      .post('/process-image')
      .set('X-Connection-Id', '')
      .field('connectionId', client.connectionId)
      .attach('image', photo, 'p.jpg');
    expect(res.status).toBe(200);
    const started = await client.waitFor((m) => m.type === 'processing_started' && m.requestId === res.body.requestId);
    expect(started.connectionId).toBe(client.connectionId);
  });

  describe('bad input', () => {
    async function expectHealthyAfter() {
      const res = await request(service.httpUrl).post('/process-image').attach('image', photo, 'p.jpg');
      expect(res.status).toBe(200);
      const health = await request(service.httpUrl).get('/health');
      expect(health.body.status).toBe('ok');
      expect(health.body.requests.running).toBe(0);
    }

    it('rejects a request with no file with 400 MISSING_IMAGE, before any event', async () => {
      const client = await connect();
      const res = await request(service.httpUrl).post('/process-image').field('note', 'hello');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'MISSING_IMAGE', message: expect.any(String) } });
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
      await expectHealthyAfter();
    });

    it.each([
      ['a small photo', 2 * 1024],
      ['a photo over the 64 KB text-field limit', 200 * 1024],
    ])('says the part "image" was read as text when %s is sent without a filename: 400 MISSING_IMAGE, before any event', async (_what, size) => {
      const client = await connect();
      const boundary = 'nofilename';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"\r\nContent-Type: image/jpeg\r\n\r\n`),
        Buffer.concat([photo, Buffer.alloc(size)]).subarray(0, size),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(service.httpUrl).post('/process-image').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'MISSING_IMAGE', message: expect.stringMatching(/"image" has no filename.*filename="photo\.jpg"/) });
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
      await expectHealthyAfter();
    });

    it('names the missing filename when the photo part is application/octet-stream without one (dropped by the parser unseen)', async () => {
      const boundary = 'octetnofilename';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        photo,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(service.httpUrl).post('/process-image').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'MISSING_IMAGE', message: expect.stringMatching(/file field "image".*filename/) });
    });

    it('rejects a file in another field with 400 UNEXPECTED_FIELD, before any event', async () => {
      const client = await connect();
      const res = await request(service.httpUrl).post('/process-image').attach('photo', photo, 'p.jpg');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'UNEXPECTED_FIELD', message: expect.any(String) } });
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
      await expectHealthyAfter();
    });

    it('rejects a malformed connectionId, as header or form field, with 400 MALFORMED_REQUEST before any event', async () => {
      const client = await connect();
      const asHeader = await request(service.httpUrl).post('/process-image').set('X-Connection-Id', 'not an id').attach('image', photo, 'p.jpg');
      const asField = await request(service.httpUrl).post('/process-image').field('connectionId', 'x'.repeat(65)).attach('image', photo, 'p.jpg');
      for (const res of [asHeader, asField]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toEqual({ code: 'MALFORMED_REQUEST', message: expect.stringMatching(/connectionId/) });
      }
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
    });

    it('rejects a non-multipart body with 400 MISSING_IMAGE', async () => {
      const res = await request(service.httpUrl).post('/process-image').send({ image: 'aGVsbG8=' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MISSING_IMAGE');
      await expectHealthyAfter();
    });

    it('rejects a text file sent as image/png with 415 after processing_started, with a validation processing_error', async () => {
      const client = await connect();
      const res = await request(service.httpUrl)
        .post('/process-image')
        .attach('image', Buffer.from('just some text, not a picture\n'.repeat(20)), { filename: 'fake.png', contentType: 'image/png' });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.requestId).toMatch(REQUEST_ID_PATTERN);
      await client.waitFor(terminal(res.body.requestId));
      const events = eventsOf(client, res.body.requestId);
      expect(events.map((e) => e.type)).toEqual(['processing_started', 'processing_error']);
      expect(events[1]).toMatchObject({ stage: 'validation', code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(PipelineEventSchema.safeParse(events[1]).success).toBe(true);
      expectSpecEvents(events);
      await expectHealthyAfter();
    });

    it('rejects a truncated JPEG with 422 INVALID_IMAGE', async () => {
      const client = await connect();
      const noisy = await sharp(Buffer.from(Array.from({ length: 320 * 240 * 3 }, (_, i) => (i * 7919) % 256)), { raw: { width: 320, height: 240, channels: 3 } })
        .jpeg()
        .toBuffer();
      const res = await request(service.httpUrl).post('/process-image').attach('image', noisy.subarray(0, noisy.length / 2), 'cut.jpg');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('INVALID_IMAGE');
      const error = await client.waitFor(terminal(res.body.requestId));
      expect(error).toMatchObject({ type: 'processing_error', stage: 'validation' });
      await expectHealthyAfter();
    });

    describe('tells a broken image from a foreign file by its magic bytes', () => {
      it.each([
        { name: 'a JPEG signature followed by random bytes', filename: 'x.jpg', status: 422, code: 'INVALID_IMAGE', message: /starts like a JPEG image but is corrupt or truncated/, bytes: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise(30_000, 99)]) },
        { name: 'a PNG signature followed by garbage', filename: 'x.png', status: 422, code: 'INVALID_IMAGE', message: /starts like a PNG image but is corrupt or truncated/, bytes: () => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('garbage, not chunks '.repeat(500))]) },
        { name: 'a text file', filename: 'notes.txt', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: /not a supported image/, bytes: () => Buffer.from('a shopping list, not a photo\n'.repeat(50)) },
        { name: 'the real photo cut to its first half', filename: 'cut.jpg', status: 422, code: 'INVALID_IMAGE', message: /could not be decoded/, bytes: () => photo.subarray(0, Math.floor(photo.length / 2)) },
      ])('answers $name with $status $code and a validation processing_error', async ({ bytes, filename, status, code, message }) => {
        const client = await connect();
        const res = await request(service.httpUrl).post('/process-image').attach('image', bytes(), { filename, contentType: 'image/jpeg' });
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({ success: false, error: { code, message: expect.stringMatching(message) }, requestId: expect.stringMatching(REQUEST_ID_PATTERN) });
        await client.waitFor(terminal(res.body.requestId));
        const events = eventsOf(client, res.body.requestId);
        expect(events.map((e) => e.type)).toEqual(['processing_started', 'processing_error']);
        expect(events[1]).toMatchObject({ stage: 'validation', code });
        await expectHealthyAfter();
      });
    });

    it('rejects an empty file with 422 INVALID_IMAGE', async () => {
      const res = await request(service.httpUrl).post('/process-image').attach('image', Buffer.alloc(0), 'empty.jpg');
      // multer drops zero-byte parts on some clients; either way it is a clear 4xx with a code.
      expect([400, 422]).toContain(res.status);
      expect(['MISSING_IMAGE', 'INVALID_IMAGE']).toContain(res.body.error.code);
    });
  });

  it('serves the test page at / and /websocket-test.html and answers unknown routes with a JSON 404', async () => {
    const page = await request(service.httpUrl).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const file = fs.readFileSync(path.resolve(__dirname, '../../websocket-test.html'), 'utf8');
    expect(page.text).toBe(file);
    const named = await request(service.httpUrl).get('/websocket-test.html');
    expect(named.status).toBe(200);
    expect(named.headers['content-type']).toMatch(/text\/html/);
    expect(named.text).toBe(file);
    const missing = await request(service.httpUrl).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('reports health on /health and /ws-health', async () => {
    const client = await connect();
    const health = await request(service.httpUrl).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      initialized: true,
      engine: 'local',
      database: { status: 'ok', mode: 'embedded' },
      websocket: { status: 'running', connections: 1 },
      version: expect.any(String),
      uptime: expect.any(Number),
    });
    const ws = await request(service.httpUrl).get('/ws-health');
    expect(ws.body).toMatchObject({ status: 'ok', port: service.wsPort, connections: 1, activeRequests: 0, eventsBroadcast: expect.any(Number) });
    await client.close();
  });
});

describe('POST /process-image with a small upload limit', () => {
  it('rejects a file over MAX_UPLOAD_MB with 413 FILE_TOO_LARGE, before any event', async () => {
    const service = await startTestService({ MAX_UPLOAD_MB: '0.05' });
    try {
      const client = await createWsClient(service.wsUrl);
      const big = await sharp({ create: { width: 600, height: 600, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 }, background: '#000' } }).png().toBuffer();
      expect(big.length).toBeGreaterThan(0.05 * 1024 * 1024);
      const res = await request(service.httpUrl).post('/process-image').attach('image', big, 'big.png');
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('FILE_TOO_LARGE');
      await pingRoundTrip(client);
      expect(client.messages.some((m) => m.type === 'processing_started')).toBe(false);
      await client.close();
    } finally {
      await service.close();
    }
  });
});

/** After a ping round trip, every event published before it has been delivered. */
async function pingRoundTrip(client: WsClient): Promise<void> {
  const before = client.messages.filter((m) => m.type === 'pong').length;
  client.socket.send(JSON.stringify({ type: 'ping' }));
  await client.waitFor(() => client.messages.filter((m) => m.type === 'pong').length > before);
}
