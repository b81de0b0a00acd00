import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import multer from 'multer';
import { createPresizedMemoryStorage } from '../../src/http/createPresizedMemoryStorage';

const LIMIT = 2 * 1024 * 1024;

/** A real server whose one route answers what multer stored: sha of the bytes and the buffer's backing size. */
async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const upload = multer({ storage: createPresizedMemoryStorage({ maxBytes: LIMIT }), limits: { fileSize: LIMIT } }).single('image');
  app.post('/upload', (req, res) => {
    upload(req, res, (err: unknown) => {
      if (err) return res.status(413).json({ code: (err as { code?: string }).code });
      const file = req.file as Express.Multer.File;
      res.json({ hex: file.buffer.toString('hex'), size: file.size, backing: file.buffer.buffer.byteLength });
    });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function multipart(data: Buffer): { body: Buffer; type: string } {
  const boundary = '----snatchshot' + randomBytes(8).toString('hex');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, data, tail]), type: `multipart/form-data; boundary=${boundary}` };
}

/** Posts the body with a Content-Length, or in chunks without one. */
function post(url: string, data: Buffer, chunked: boolean): Promise<{ status: number; bodyLength: number; json: { hex?: string; size?: number; backing?: number; code?: string } }> {
  const { body, type } = multipart(data);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': type, ...(chunked ? {} : { 'content-length': body.length }) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bodyLength: body.length, json: JSON.parse(Buffer.concat(parts).toString()) }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
    req.end();
  });
}

describe('createPresizedMemoryStorage', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('copies the upload as it arrives into one buffer sized from Content-Length, byte-identical', async () => {
    const data = randomBytes(700 * 1024);
    const { status, bodyLength, json } = await post(server.url, data, false);
    expect(status).toBe(200);
    expect(json.hex).toBe(data.toString('hex'));
    expect(json.size).toBe(data.length);
    // The file is a view of the one allocation made for the whole body; concatenating chunks
    // at the end (memoryStorage) would allocate exactly the file's size instead.
    expect(json.backing).toBe(bodyLength);
  });

  it('stores a chunked upload without Content-Length byte-identical', async () => {
    const data = randomBytes(300 * 1024 + 7);
    const { status, json } = await post(server.url, data, true);
    expect(status).toBe(200);
    expect(json.hex).toBe(data.toString('hex'));
    expect(json.size).toBe(data.length);
  });

  it('stores an empty file as an empty buffer', async () => {
    const { status, json } = await post(server.url, Buffer.alloc(0), false);
    expect(status).toBe(200);
    expect(json.size).toBe(0);
  });

  it('still lets multer refuse a file over the limit', async () => {
    const { status, json } = await post(server.url, randomBytes(LIMIT + 1), false);
    expect(status).toBe(413);
    expect(json.code).toBe('LIMIT_FILE_SIZE');
  });
});
