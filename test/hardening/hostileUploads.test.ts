/**
 * Hostile input on POST /process-image: each case gets its documented status and code, and
 * the server serves a normal request straight after.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { createWsClient, type WsClient } from '../support/createWsClient';
import { measurePeakRss } from '../support/measurePeakRss';
import { pngWithIccBomb } from './support/pngWithIccBomb';
import { noise, realPhotoJpeg } from '../support/images';
import { startTestService, type TestService } from '../support/startTestService';
import { jpegDeclaring } from './support/jpegDeclaring';
import { pngDeclaring } from './support/pngDeclaring';
import { connectRaw, jsonBody, multipartBody, parseResponse, postRequest, rawExchange, readOneResponse, readUntilClosed, type Part } from './support/rawHttp';
import { health, upload } from './support/uploads';

const BOUNDARY = 'hostile-Xq3vR8kLm2';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

const imagePart = (body: Buffer | string, filename = 'p.jpg', contentType = 'image/jpeg'): Part => ({
  disposition: `form-data; name="image"; filename="${filename}"`,
  contentType,
  body,
});

describe('hostile uploads', () => {
  let service: TestService;
  let watcher: WsClient;
  let photo: Buffer;

  beforeAll(async () => {
    // A 1 MB limit keeps the oversized cases small.
    service = await startTestService({ IMAGE_COUNT: '1', MAX_UPLOAD_MB: '1' });
    watcher = await createWsClient(service.wsUrl);
    photo = await realPhotoJpeg();
  });
  afterAll(async () => {
    await watcher.close();
    await service.close();
  });

  /** The server is unharmed: a normal upload succeeds and nothing is left running. */
  async function expectServesNormally() {
    const ok = await upload(service.httpUrl, photo);
    expect(ok.status).toBe(200);
    expect(ok.body.imagesGenerated).toBe(1);
    const after = await health(service.httpUrl);
    expect(after.status).toBe(200);
    expect(after.body.requests).toMatchObject({ running: 0, queued: 0 });
  }

  async function expectRejected(request: Buffer, status: number, code: string) {
    const response = await rawExchange(service.httpPort, request);
    expect(response.status).toBe(status);
    expect(jsonBody(response)).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
    await expectServesNormally();
    return response;
  }

  describe('malformed multipart', () => {
    it('rejects a multipart Content-Type without a boundary with 400 MALFORMED_REQUEST', async () => {
      await expectRejected(postRequest(multipartBody([imagePart(photo)], BOUNDARY), 'multipart/form-data'), 400, 'MALFORMED_REQUEST');
    });

    it('rejects a body that never closes its last part with 400 MALFORMED_REQUEST', async () => {
      const unterminated = multipartBody([imagePart(photo)], BOUNDARY, { close: false }).subarray(0, 4000);
      await expectRejected(postRequest(unterminated, MULTIPART), 400, 'MALFORMED_REQUEST');
    });

    it('rejects random bytes sent as multipart with 400', async () => {
      const response = await expectRejected(postRequest(noise(20_000, 7), MULTIPART), 400, 'MALFORMED_REQUEST');
      expect(jsonBody(response).error?.message).toMatch(/multipart|form/i);
    });

    it('treats a part without Content-Disposition as no image: 400 MISSING_IMAGE', async () => {
      await expectRejected(postRequest(multipartBody([{ contentType: 'image/jpeg', body: photo }], BOUNDARY), MULTIPART), 400, 'MISSING_IMAGE');
    });

    it('rejects two files in the image field with 400 UNEXPECTED_FIELD', async () => {
      await expectRejected(postRequest(multipartBody([imagePart(photo), imagePart(photo)], BOUNDARY), MULTIPART), 400, 'UNEXPECTED_FIELD');
    });

    it('rejects more parts than allowed with 400 MALFORMED_REQUEST', async () => {
      const parts = Array.from({ length: 30 }, (_, i): Part => ({ disposition: `form-data; name="f${i}"`, body: 'x' }));
      await expectRejected(postRequest(multipartBody([...parts, imagePart(photo)], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
    });

    it('rejects a text field over the 64 KB limit with 400 MALFORMED_REQUEST', async () => {
      // Not connectionId: its own format check would refuse a long value whatever the limit.
      const big: Part = { disposition: 'form-data; name="note"', body: 'a'.repeat(100 * 1024) };
      const response = await expectRejected(postRequest(multipartBody([big, imagePart(photo)], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
      expect(jsonBody(response).error?.message).toMatch(/field value too long/i);
    });

    it('rejects deeply nested and huge-index field names with 400 MALFORMED_REQUEST', async () => {
      const nested: Part = { disposition: 'form-data; name="a[b][c][d][e][f]"', body: 'x' };
      await expectRejected(postRequest(multipartBody([nested, imagePart(photo)], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
      const sparse: Part = { disposition: 'form-data; name="a[999999999]"', body: 'x' };
      await expectRejected(postRequest(multipartBody([sparse, imagePart(photo)], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
    });

    it('rejects a part with 2,000 header lines (over 16 KB of part headers) with 400 MALFORMED_REQUEST', async () => {
      const extraHeaders = Array.from({ length: 2000 }, (_, i) => `X-Part-${i}: ${'v'.repeat(20)}`);
      const part: Part = { ...imagePart(photo), extraHeaders };
      await expectRejected(postRequest(multipartBody([part], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
    });

    it('reads a part with a few hundred short header lines normally', async () => {
      const extraHeaders = Array.from({ length: 300 }, (_, i) => `X-P${i}: ${i}`);
      const response = await rawExchange(service.httpPort, postRequest(multipartBody([{ ...imagePart(photo), extraHeaders }], BOUNDARY), MULTIPART));
      expect(response.status).toBe(200);
    });
  });

  describe('empty field names', () => {
    it('rejects a file whose field name is empty with 400 MALFORMED_REQUEST', async () => {
      const part = { ...imagePart(photo), disposition: 'form-data; name=""; filename="p.jpg"' };
      const response = await expectRejected(postRequest(multipartBody([part], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
      expect(jsonBody(response).error?.message).toMatch(/field name missing/i);
    });

    it('rejects a file part with no name at all with 400 MALFORMED_REQUEST', async () => {
      const part = { ...imagePart(photo), disposition: 'form-data; filename="p.jpg"' };
      await expectRejected(postRequest(multipartBody([part], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
    });

    it('rejects a text field with an empty name beside a good image with 400 MALFORMED_REQUEST', async () => {
      const empty: Part = { disposition: 'form-data; name=""', body: 'x' };
      await expectRejected(postRequest(multipartBody([empty, imagePart(photo)], BOUNDARY), MULTIPART), 400, 'MALFORMED_REQUEST');
    });
  });

  describe('bytes that are not what they claim', () => {
    it.each([
      ['photo.jpg', 'image/jpeg'],
      ['photo.png', 'image/png'],
      ['photo.webp', 'image/webp'],
      ['photo.heic', 'image/heic'],
      ['photo.gif', 'image/gif'],
    ])('rejects random bytes named %s with 415 UNSUPPORTED_MEDIA_TYPE and a validation processing_error', async (filename, contentType) => {
      const res = await upload(service.httpUrl, noise(50_000, filename.length * 31), { filename, contentType });
      expect(res.status).toBe(415);
      expect(res.body.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const error = await watcher.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_error');
      expect(error).toMatchObject({ stage: 'validation', code: 'UNSUPPORTED_MEDIA_TYPE' });
      await expectServesNormally();
    });

    it('rejects a JPEG signature followed by garbage as a corrupt image: 422 INVALID_IMAGE and a validation processing_error', async () => {
      const res = await upload(service.httpUrl, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise(30_000, 99)]), { filename: 'x.jpg' });
      expect(res.status).toBe(422);
      expect(res.body.error?.code).toBe('INVALID_IMAGE');
      const error = await watcher.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_error');
      expect(error).toMatchObject({ stage: 'validation', code: 'INVALID_IMAGE' });
      await expectServesNormally();
    });
  });

  describe('decompression bombs', () => {
    it('rejects a PNG declaring 50,000 × 50,000 pixels with 422 INVALID_IMAGE from its header alone', async () => {
      const bomb = pngDeclaring(50_000, 50_000);
      expect(bomb.length).toBeLessThan(200);
      const res = await upload(service.httpUrl, bomb, { filename: 'bomb.png', contentType: 'image/png' });
      expect(res.status).toBe(422);
      expect(res.body.error?.code).toBe('INVALID_IMAGE');
      // The pixel limit refused it, from the declared dimensions, not a decoder failure.
      expect(res.body.error?.message).toContain('50000×50000');
      const error = await watcher.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_error');
      expect(error).toMatchObject({ stage: 'validation', code: 'INVALID_IMAGE' });
      await expectServesNormally();
    });

    it('passes the same hand-made PNG header at 64 × 64 to the decoder, which finds its missing rows (422)', async () => {
      // Shows the bomb above has a valid PNG header: at a sane size the pixel limit passes and
      // only the deliberately short pixel data fails the (failOn) decode.
      const res = await upload(service.httpUrl, pngDeclaring(64, 64), { filename: 'small.png', contentType: 'image/png' });
      expect(res.status).toBe(422);
      expect(res.body.error?.message).not.toMatch(/MP/);
    });
  });

  describe('metadata bombs', () => {
    it('processes a PNG whose ICC profile inflates to 500 MB without inflating it: 200, and memory stays where it was', async () => {
      const bomb = await pngWithIccBomb(await sharp(photo).png().toBuffer(), 500);
      expect(bomb.length).toBeLessThan(1_000_000);
      const { result: res, growthMb } = await measurePeakRss(() => upload(service.httpUrl, bomb, { filename: 'icc.png', contentType: 'image/png' }));
      expect(res.status).toBe(200);
      expect(res.body.imagesGenerated).toBe(1);
      // The service runs in this process; inflating the profile took ~1 GB.
      expect(growthMb).toBeLessThan(250);
      await expectServesNormally();
    });
  });

  describe('JPEGs whose data ends early behind an end marker', () => {
    it('rejects a JPEG declaring 9000 × 9000 over one 8 × 8 block of data with 422 INVALID_IMAGE and a validation processing_error', async () => {
      const block = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
      const bomb = jpegDeclaring(block, 9000, 9000);
      const res = await upload(service.httpUrl, bomb, { filename: 'bomb.jpg' });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringMatching(/^The image could not be decoded: .*premature end of data segment/) });
      const error = await watcher.waitFor((m) => m.requestId === res.body.requestId && m.type === 'processing_error');
      expect(error).toMatchObject({ stage: 'validation', code: 'INVALID_IMAGE' });
      await expectServesNormally();
    });

    it('rejects the first half of a photo with an end marker written after it with 422 INVALID_IMAGE, not a half-grey edit', async () => {
      const cut = Buffer.concat([photo.subarray(0, photo.length >> 1), Buffer.from([0xff, 0xd9])]);
      const res = await upload(service.httpUrl, cut, { filename: 'cut.jpg' });
      expect(res.status).toBe(422);
      expect(res.body.error?.code).toBe('INVALID_IMAGE');
      await expectServesNormally();
    });
  });

  describe('oversized bodies', () => {
    it('refuses a JSON body announced over the upload limit with 413 before reading it', async () => {
      const socket = await connectRaw(service.httpPort);
      try {
        const answer = readOneResponse(socket);
        // Only the head is sent: the answer must not wait for 30 MB that never comes.
        socket.write(['POST /process-image HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${30 * 1024 * 1024}`, '', ''].join('\r\n'));
        socket.write(`{"image":"${'A'.repeat(1000)}`);
        const response = parseResponse(await answer);
        expect(response.status).toBe(413);
        expect(jsonBody(response).error?.code).toBe('FILE_TOO_LARGE');
      } finally {
        socket.destroy();
      }
      await expectServesNormally();
    });

    it('lets a fetch client in another process finish sending an upload announced over the limit, and answers it 413', async () => {
      // fetch writes the whole body (16 MB: more than the loopback buffers hold) before it reads
      // the answer: had the server closed the connection on answering, fetch would fail with
      // EPIPE and never see the 413. (A client in this process does not show it: it shares
      // the server's event loop.)
      const answer = await fetchUploadFromChild(service.httpUrl, 16_000_000);
      expect(answer).toMatchObject({ status: 413, body: { success: false, error: { code: 'FILE_TOO_LARGE', message: expect.stringContaining('1 MB') } } });
      await expectServesNormally();
    });

    it('answers a JSON body within the limit with 400 MISSING_IMAGE', async () => {
      const json = Buffer.from(JSON.stringify({ image: Buffer.alloc(500_000, 1).toString('base64') }));
      await expectRejected(postRequest(json, 'application/json'), 400, 'MISSING_IMAGE');
    });

    it('refuses a chunked upload (no Content-Length) that grows past the limit with 413', async () => {
      const big = Buffer.concat([photo, noise(1_200_000, 3)]);
      const body = multipartBody([imagePart(big)], BOUNDARY);
      const socket = await connectRaw(service.httpPort);
      socket.on('error', () => undefined);
      const answer = readUntilClosed(socket);
      socket.write(['POST /process-image HTTP/1.1', 'Host: 127.0.0.1', `Content-Type: ${MULTIPART}`, 'Transfer-Encoding: chunked', 'Connection: close', '', ''].join('\r\n'));
      for (let offset = 0; offset < body.length; offset += 64 * 1024) {
        const piece = body.subarray(offset, offset + 64 * 1024);
        if (!socket.writable) break;
        socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        socket.write('\r\n');
      }
      if (socket.writable) socket.write('0\r\n\r\n');
      const response = parseResponse(await answer);
      expect(response.status).toBe(413);
      expect(response.body).toContain('FILE_TOO_LARGE');
      await expectServesNormally();
    });

    it('answers 2,000 request headers with 431 and keeps serving', async () => {
      const headers = Array.from({ length: 2000 }, (_, i) => `X-Hostile-Header-${i}: ${'v'.repeat(8)}`);
      const response = await rawExchange(service.httpPort, postRequest(multipartBody([imagePart(photo)], BOUNDARY), MULTIPART, headers));
      expect(response.status).toBe(431);
      await expectServesNormally();
    });
  });
});

/** Uploads `bytes` zero bytes with Node's fetch from a child process; its status and JSON body, or its error. */
async function fetchUploadFromChild(httpUrl: string, bytes: number): Promise<{ status?: number; body?: unknown; error?: string }> {
  const script = `
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(Number(process.argv[2]))], { type: 'image/jpeg' }), 'big.jpg');
    fetch(process.argv[1] + '/process-image', { method: 'POST', body: form })
      .then(async (res) => ({ status: res.status, body: await res.json() }))
      .catch((err) => ({ error: err.message + ' ' + (err.cause?.code ?? '') }))
      .then((answer) => process.stdout.write(JSON.stringify(answer)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, httpUrl, String(bytes)], { timeout: 30_000 });
  return JSON.parse(stdout) as { status?: number; body?: unknown; error?: string };
}
