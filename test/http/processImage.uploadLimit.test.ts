/**
 * MAX_UPLOAD_MB limits the photo, not the request: the multipart framing around a photo just
 * under the limit takes the body over it, and that upload must still be processed.
 */
import { jsonBody, multipartBody, postRequest, rawExchange } from '../hardening/support/rawHttp';
import { syntheticPhoto } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';

const BOUNDARY = 'upload-limit-boundary-4kTz9';

describe('POST /process-image at the edge of the upload limit', () => {
  let service: TestService;
  let limit: number;

  beforeAll(async () => {
    service = await startTestService({ MAX_UPLOAD_MB: '0.25', IMAGE_COUNT: '1' });
    limit = service.config.maxUploadBytes;
  });
  afterAll(async () => {
    await service.close();
  });

  /** A valid JPEG padded after its end marker to exactly `size` bytes (decoders ignore the tail). */
  async function jpegOfSize(size: number): Promise<Buffer> {
    const jpeg = await syntheticPhoto({ width: 320, height: 240 });
    expect(jpeg.length).toBeLessThan(size);
    return Buffer.concat([jpeg, Buffer.alloc(size - jpeg.length, 0x20)]);
  }

  /** The multipart body carrying `photo` as the field "image". */
  const bodyFor = (photo: Buffer) =>
    multipartBody([{ disposition: 'form-data; name="image"; filename="edge.jpg"', contentType: 'image/jpeg', body: photo }], BOUNDARY);

  it('processes a photo one byte under the limit although the whole request body is over it', async () => {
    const body = bodyFor(await jpegOfSize(limit - 1));
    expect(body.length).toBeGreaterThan(limit);
    const response = await rawExchange(service.httpPort, postRequest(body, `multipart/form-data; boundary=${BOUNDARY}`));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ success: true, imagesGenerated: 1 });
  });

  it('refuses a photo one byte over the limit with 413 FILE_TOO_LARGE', async () => {
    const body = bodyFor(await jpegOfSize(limit + 1));
    const response = await rawExchange(service.httpPort, postRequest(body, `multipart/form-data; boundary=${BOUNDARY}`));
    expect(response.status).toBe(413);
    expect(jsonBody(response).error?.code).toBe('FILE_TOO_LARGE');
  });
});
