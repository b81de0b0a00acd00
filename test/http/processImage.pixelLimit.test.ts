/**
 * MAX_IMAGE_PIXELS is the one pixel limit: a photo the upload check accepts is one the local
 * engine decodes, also when the limit is raised above the engine's own 100 MP default.
 */
import sharp from 'sharp';
import { upload } from '../hardening/support/uploads';
import { startTestService, type TestService } from '../support/startTestService';

describe('POST /process-image with MAX_IMAGE_PIXELS raised above 100 MP', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ MAX_IMAGE_PIXELS: '101000000', IMAGE_COUNT: '1' });
  });
  afterAll(async () => {
    await service.close();
  });

  /** A flat grey JPEG (under 1 MB however large: JPEG shrink-on-load decodes it quickly). */
  const greyJpeg = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#808080' } }).jpeg({ quality: 20 }).toBuffer();

  it('processes a 100.5 MP photo, which the limit allows, instead of failing its analysis with 502', async () => {
    const res = await upload(service.httpUrl, await greyJpeg(10_050, 10_000), { filename: 'big.jpg' });
    expect(res.body.error).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, imagesGenerated: 1 });
  });

  it('still refuses a photo over the raised limit with 422 INVALID_IMAGE', async () => {
    const res = await upload(service.httpUrl, await greyJpeg(10_101, 10_000), { filename: 'bigger.jpg' });
    expect(res.status).toBe(422);
    expect(res.body.error?.message).toContain('10101×10000');
  });
});
