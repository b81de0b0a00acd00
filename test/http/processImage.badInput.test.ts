/**
 * POST /process-image given bad input: each refusal is a clear status and stable code (and a
 * processing_error once processing_started was sent), and the service carries on.
 */
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import request from 'supertest';
import { PipelineEventSchema, REQUEST_ID_PATTERN } from '../../src/events/eventSchemas';
import { createWsClient, type WsClient } from '../support/createWsClient';
import { expectSpecEvents } from '../support/expectSpecEvents';
import { noise } from '../support/images';
import { startTestService } from '../support/startTestService';
import { eventsOf, terminal, useProcessImageService } from './support/useProcessImageService';

describe('POST /process-image on the local engine', () => {
  const suite = useProcessImageService();
  const { connect } = suite;

  describe('bad input', () => {
    async function expectHealthyAfter() {
      const res = await request(suite.service.httpUrl).post('/process-image').attach('image', suite.photo, 'p.jpg');
      expect(res.status).toBe(200);
      const health = await request(suite.service.httpUrl).get('/health');
      expect(health.body.status).toBe('ok');
      expect(health.body.requests.running).toBe(0);
    }

    it('rejects a request with no file with 400 MISSING_IMAGE, before any event', async () => {
      const client = await connect();
      const res = await request(suite.service.httpUrl).post('/process-image').field('note', 'hello');
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
        Buffer.concat([suite.photo, Buffer.alloc(size)]).subarray(0, size),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(suite.service.httpUrl).post('/process-image').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
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
        suite.photo,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(suite.service.httpUrl).post('/process-image').set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'MISSING_IMAGE', message: expect.stringMatching(/file field "image".*filename/) });
    });

    it('rejects a file in another field with 400 UNEXPECTED_FIELD, before any event', async () => {
      const client = await connect();
      const res = await request(suite.service.httpUrl).post('/process-image').attach('photo', suite.photo, 'p.jpg');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'UNEXPECTED_FIELD', message: expect.any(String) } });
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
      await expectHealthyAfter();
    });

    it('rejects a malformed connectionId, as header or form field, with 400 MALFORMED_REQUEST before any event', async () => {
      const client = await connect();
      const asHeader = await request(suite.service.httpUrl).post('/process-image').set('X-Connection-Id', 'not an id').attach('image', suite.photo, 'p.jpg');
      const asField = await request(suite.service.httpUrl).post('/process-image').field('connectionId', 'x'.repeat(65)).attach('image', suite.photo, 'p.jpg');
      for (const res of [asHeader, asField]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toEqual({ code: 'MALFORMED_REQUEST', message: expect.stringMatching(/connectionId/) });
      }
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
    });

    it('rejects a non-multipart body with 400 MISSING_IMAGE', async () => {
      const res = await request(suite.service.httpUrl).post('/process-image').send({ image: 'aGVsbG8=' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MISSING_IMAGE');
      await expectHealthyAfter();
    });

    it('refuses a gzip-compressed body with 415 UNSUPPORTED_CONTENT_ENCODING naming the encoding, before any event', async () => {
      const client = await connect();
      const boundary = 'gzipped';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
        suite.photo,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(suite.service.httpUrl)
        .post('/process-image')
        .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
        .set('Content-Encoding', 'gzip')
        .send(gzipSync(body));
      expect(res.status).toBe(415);
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(res.body.error).toEqual({ code: 'UNSUPPORTED_CONTENT_ENCODING', message: expect.stringMatching(/"gzip".*uncompressed/) });
      await pingRoundTrip(client);
      expect(client.messages.filter((m) => m.type === 'processing_started')).toHaveLength(0);
      await expectHealthyAfter();
    });

    it('rejects a text file sent as image/png with 415 after processing_started, with a validation processing_error', async () => {
      const client = await connect();
      const res = await request(suite.service.httpUrl)
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
      const res = await request(suite.service.httpUrl).post('/process-image').attach('image', noisy.subarray(0, noisy.length / 2), 'cut.jpg');
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
        { name: 'the real photo cut to its first half', filename: 'cut.jpg', status: 422, code: 'INVALID_IMAGE', message: /could not be decoded/, bytes: () => suite.photo.subarray(0, Math.floor(suite.photo.length / 2)) },
      ])('answers $name with $status $code and a validation processing_error', async ({ bytes, filename, status, code, message }) => {
        const client = await connect();
        const res = await request(suite.service.httpUrl).post('/process-image').attach('image', bytes(), { filename, contentType: 'image/jpeg' });
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
      const res = await request(suite.service.httpUrl).post('/process-image').attach('image', Buffer.alloc(0), 'empty.jpg');
      // multer drops zero-byte parts on some clients; either way it is a clear 4xx with a code.
      expect([400, 422]).toContain(res.status);
      expect(['MISSING_IMAGE', 'INVALID_IMAGE']).toContain(res.body.error.code);
    });
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
