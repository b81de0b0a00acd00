import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { REQUEST_ID_PATTERN, ServerMessageSchema } from '../../src/events/eventSchemas';
import { expectEventOrder } from '../support/expectEventOrder';
import { expectSpecEvents } from '../support/expectSpecEvents';
import { syntheticPhoto } from '../support/images';
import { eventsOf, terminal, useProcessImageService } from './support/useProcessImageService';

describe('POST /process-image on the local engine', () => {
  const suite = useProcessImageService();
  const { connect } = suite;

  it('streams the identical, ordered event sequence to two clients and answers with the full result', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    expect(a.connectionId).not.toBe(b.connectionId);

    const res = await request(suite.service.httpUrl)
      .post('/process-image')
      .set('X-Connection-Id', a.connectionId)
      .attach('image', suite.photo, { filename: 'chelsea.jpg', contentType: 'image/jpeg' });
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
    const post = (bytes: Buffer) => request(suite.service.httpUrl).post('/process-image').attach('image', bytes, 'p.jpg');
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
    const res = await request(suite.service.httpUrl).post('/process-image').attach('image', gray, { filename: 'gray.png', contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.body.imagesGenerated).toBe(4);
  });

  it.each([
    ['text/plain', 'notes.txt'],
    ['image/png', 'photo.png'],
    ['application/octet-stream', 'photo.bin'],
  ])('processes a JPEG whose part says %s (named %s): the format is read from the bytes', async (contentType, filename) => {
    const res = await request(suite.service.httpUrl).post('/process-image').attach('image', suite.photo, { filename, contentType });
    expect(res.status).toBe(200);
    expect(res.body.imagesGenerated).toBe(4);
  });

  it('accepts the connection id as a form field', async () => {
    const client = await connect();
    const res = await request(suite.service.httpUrl).post('/process-image').field('connectionId', client.connectionId).attach('image', suite.photo, 'p.jpg');
    expect(res.status).toBe(200);
    const started = await client.waitFor((m) => m.type === 'processing_started' && m.requestId === res.body.requestId);
    expect(started.connectionId).toBe(client.connectionId);
  });

  it('takes the form field when an X-Connection-Id header is sent empty', async () => {
    const client = await connect();
    const res = await request(suite.service.httpUrl)
      .post('/process-image')
      .set('X-Connection-Id', '')
      .field('connectionId', client.connectionId)
      .attach('image', suite.photo, 'p.jpg');
    expect(res.status).toBe(200);
    const started = await client.waitFor((m) => m.type === 'processing_started' && m.requestId === res.body.requestId);
    expect(started.connectionId).toBe(client.connectionId);
  });

  it('serves the test page at / and /websocket-test.html and answers unknown routes with a JSON 404', async () => {
    const page = await request(suite.service.httpUrl).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const file = fs.readFileSync(path.resolve(__dirname, '../../websocket-test.html'), 'utf8');
    expect(page.text).toBe(file);
    const named = await request(suite.service.httpUrl).get('/websocket-test.html');
    expect(named.status).toBe(200);
    expect(named.headers['content-type']).toMatch(/text\/html/);
    expect(named.text).toBe(file);
    const missing = await request(suite.service.httpUrl).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('reports health on /health and /ws-health', async () => {
    const client = await connect();
    const health = await request(suite.service.httpUrl).get('/health');
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
    const ws = await request(suite.service.httpUrl).get('/ws-health');
    expect(ws.body).toMatchObject({ status: 'ok', port: suite.service.wsPort, connections: 1, activeRequests: 0, eventsBroadcast: expect.any(Number) });
    await client.close();
  });
});
