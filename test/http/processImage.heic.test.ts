import fs from 'node:fs';
import sharp from 'sharp';
import request from 'supertest';
import { createWsClient, type WsClient } from '../support/createWsClient';
import { expectEventOrder } from '../support/expectEventOrder';
import { HEVC_HEIC_FIXTURE, ROTATED_HEIC_FIXTURE } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { binaryBody } from '../support/binaryBody';

describe('POST /process-image with an iPhone HEIC (HEVC) photo', () => {
  let service: TestService;
  let client: WsClient;

  beforeAll(async () => {
    service = await startTestService();
    client = await createWsClient(service.wsUrl);
  });
  afterAll(async () => {
    await client.close();
    await service.close();
  });

  it('processes it like any photo: full event sequence, four upright JPEGs, advice that knows how it was shot', async () => {
    const heic = fs.readFileSync(ROTATED_HEIC_FIXTURE);
    const res = await request(service.httpUrl).post('/process-image').attach('image', heic, { filename: 'IMG_0042.HEIC', contentType: 'image/heic' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, imagesGenerated: 4 });
    // The EXIF survived the transcode: the advice quotes the settings the photo was taken with.
    expect(res.body.settings.current).toMatchObject({ aperture: 'f/1.8', shutter_speed: '1/120', iso: '64', camera: 'Apple iPhone 15 Pro' });
    for (const image of res.body.images as { width: number; height: number; imageData: string }[]) {
      const meta = await sharp(Buffer.from(image.imageData, 'base64')).metadata();
      expect(meta.format).toBe('jpeg');
      // Landscape, as displayed, not as stored sideways in the file.
      expect(image.width).toBeGreaterThan(image.height);
    }
    const done = await client.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_completed');
    expect(done.imagesGenerated).toBe(4);
    expectEventOrder(client.messages.filter((m) => m.requestId === res.body.requestId).map((m) => m.type), 4);
  });

  it('stores the photo as uploaded (HEIC bytes, image/heic) and records it as a 240×160 HEIF', async () => {
    const heic = fs.readFileSync(ROTATED_HEIC_FIXTURE);
    const res = await request(service.httpUrl).post('/process-image').attach('image', heic, 'IMG_0043.HEIC');
    expect(res.status).toBe(200);
    const id = res.body.requestId as string;
    const record = await request(service.httpUrl).get(`/requests/${id}`).expect(200);
    expect(record.body.upload).toMatchObject({ format: 'heif', mimeType: 'image/heic', width: 240, height: 160, size: heic.length });
    const original = await request(service.httpUrl).get(`/requests/${id}/original`).buffer(true).parse(binaryBody).expect(200);
    expect(original.headers['content-type']).toBe('image/heic');
    expect(Buffer.compare(original.body as Buffer, heic)).toBe(0);
  });

  it('answers a HEIC with corrupt image data with 422 INVALID_IMAGE and a validation processing_error', async () => {
    const heic = fs.readFileSync(HEVC_HEIC_FIXTURE);
    const res = await request(service.httpUrl).post('/process-image').attach('image', heic.subarray(0, heic.length - 200), 'IMG_0044.HEIC');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringMatching(/HEIC photo could not be decoded/) });
    const error = await client.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_error');
    expect(error).toMatchObject({ stage: 'validation', code: 'INVALID_IMAGE' });
  });
});
