/**
 * Stored bytes as the results API sends them, through a real Express app and the app's error
 * middleware: validators and caching, and one byte range (RFC 9110 §14).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import sharp from 'sharp';
import { createErrorMiddleware } from '../../src/http/errorMiddleware';
import { sendBinary, type BinaryToSend } from '../../src/http/sendBinary';
import type { ByteSpan } from '../../src/store/CouchStore';
import { binaryBody } from '../support/binaryBody';
import { captureLogger } from '../support/captureLogger';
import { realPhotoJpeg } from '../support/images';

let jpeg: Buffer;
let etag: string;
let app: express.Express;
/** The spans the app opened, in order. */
let opened: ByteSpan[];

beforeAll(async () => {
  jpeg = await sharp(await realPhotoJpeg()).resize(256).jpeg().toBuffer();
  const sha256 = createHash('sha256').update(jpeg).digest('hex');
  etag = `"${sha256}"`;
  const binary: BinaryToSend = {
    mimeType: 'image/jpeg',
    sha256,
    size: jpeg.length,
    open: async (span) => {
      opened.push(span);
      return Readable.from([jpeg.subarray(span.start, span.end + 1)], { objectMode: false });
    },
  };
  app = express()
    .get('/image', (req, res) => sendBinary(req, res, binary, captureLogger()))
    .use(createErrorMiddleware(captureLogger()));
});

beforeEach(() => {
  opened = [];
});

describe('sendBinary', () => {
  /** GET /image with `headers`, the body read as bytes. */
  const fetchBytes = (headers: Record<string, string>) => request(app).get('/image').set(headers).buffer(true).parse(binaryBody);

  it.each([
    ['the first bytes', 'bytes=0-9', 0, 9],
    ['a middle slice', 'bytes=100-199', 100, 199],
    ['an open end', 'bytes=1000-', 1000, -1],
    ['a suffix', 'bytes=-5', -5, -1],
    ['an end past the size (clamped)', 'bytes=0-99999999', 0, -1],
    ['overlapping ranges (one once combined)', 'bytes=0-9,5-19', 0, 19],
    ['a single byte', 'bytes=0-0', 0, 0],
    ['a suffix longer than the image (all of it, RFC 9110 §14.1.3)', 'bytes=-99999999999999999999', 0, -1],
  ])('answers %s (%s) with 206 and Content-Range', async (_name, range, from, to) => {
    const start = from < 0 ? jpeg.length + from : from;
    const end = to < 0 ? jpeg.length - 1 : to;
    const res = await fetchBytes({ Range: range }).expect(206);
    expect(Buffer.compare(res.body as Buffer, jpeg.subarray(start, end + 1))).toBe(0);
    expect(res.headers).toMatchObject({
      'content-range': `bytes ${start}-${end}/${jpeg.length}`,
      'content-length': String(end - start + 1),
      'content-type': 'image/jpeg',
      'accept-ranges': 'bytes',
      etag,
    });
  });

  it('says Accept-Ranges: bytes on full answers, GET and HEAD', async () => {
    expect((await request(app).get('/image').expect(200)).headers['accept-ranges']).toBe('bytes');
    expect((await request(app).head('/image').expect(200)).headers['accept-ranges']).toBe('bytes');
  });

  it('answers a range past the end with 416 RANGE_NOT_SATISFIABLE, Content-Range: bytes */size, as an uncacheable error', async () => {
    for (const range of [`bytes=${jpeg.length}-`, `bytes=${jpeg.length + 10}-${jpeg.length + 20}`, 'bytes=-0']) {
      const res = await request(app).get('/image').set('Range', range).expect(416).expect('Content-Type', /json/);
      expect(res.body).toMatchObject({ success: false, error: { code: 'RANGE_NOT_SATISFIABLE' } });
      expect(res.headers['content-range']).toBe(`bytes */${jpeg.length}`);
      expect(res.headers['cache-control']).toBe('no-store');
      // Not the image's validator: a cache must not take the error for the image.
      expect(res.headers.etag).not.toBe(etag);
    }
  });

  it.each([
    ['several ranges', { Range: 'bytes=0-1,10-11' }],
    ['a malformed range', { Range: 'bytes=abc' }],
    ['an invalid range (last before first, RFC 9110 §14.1.1)', { Range: 'bytes=5-2' }],
    ['a range with an empty spec', { Range: 'bytes=0-1,' }],
    ['another range unit', { Range: 'items=0-1' }],
    ['an If-Range of another version', { Range: 'bytes=0-9', 'If-Range': '"0000"' }],
    ['an If-Range date (these answers carry no Last-Modified)', { Range: 'bytes=0-9', 'If-Range': new Date().toUTCString() }],
  ])('answers the whole image with 200 for %s', async (_name, headers) => {
    const res = await fetchBytes(headers).expect(200);
    expect(Buffer.compare(res.body as Buffer, jpeg)).toBe(0);
    expect(res.headers['content-range']).toBeUndefined();
  });

  it('honours a range whose If-Range names the current version', async () => {
    const res = await fetchBytes({ Range: 'bytes=0-9', 'If-Range': etag }).expect(206);
    expect(Buffer.compare(res.body as Buffer, jpeg.subarray(0, 10))).toBe(0);
  });

  it('answers 304 to a matching If-None-Match before looking at the range, and ignores Range on HEAD', async () => {
    await request(app).get('/image').set({ Range: 'bytes=0-9', 'If-None-Match': etag }).expect(304);
    await request(app).get('/image').set({ Range: `bytes=${jpeg.length}-`, 'If-None-Match': etag }).expect(304);
    const head = await request(app).head('/image').set('Range', 'bytes=0-9').expect(200);
    expect(head.headers['content-length']).toBe(String(jpeg.length));
  });

  it('opens the bytes only for a GET that sends them, and only the span it sends', async () => {
    await request(app).head('/image').expect(200);
    await request(app).get('/image').set('If-None-Match', etag).expect(304);
    await request(app).get('/image').set('Range', `bytes=${jpeg.length}-`).expect(416);
    expect(opened).toEqual([]);
    await fetchBytes({ Range: 'bytes=100-199' }).expect(206);
    await fetchBytes({}).expect(200);
    expect(opened).toEqual([
      { start: 100, end: 199 },
      { start: 0, end: jpeg.length - 1 },
    ]);
  });

  it.each([
    ['another version', '"0000"'],
    ['its tag as a weak one (If-Match compares strongly)', 'W/"SHA"'],
    ['a list of other versions', '"aaaa", "bbbb"'],
  ])('answers 412 PRECONDITION_FAILED, opening nothing, to an If-Match naming %s', async (_name, ifMatch) => {
    const header = ifMatch.replace('"SHA"', etag);
    const res = await request(app).get('/image').set({ 'If-Match': header, 'If-None-Match': etag, Range: 'bytes=0-9' }).expect(412).expect('Content-Type', /json/);
    expect(res.body).toMatchObject({ success: false, error: { code: 'PRECONDITION_FAILED' } });
    expect(res.headers.etag).not.toBe(etag);
    expect(opened).toEqual([]);
  });

  it.each([
    ['its tag', () => etag],
    ['*', () => '*'],
    ['a list with its tag', () => `"0000", ${etag}`],
  ])('serves the bytes when If-Match names %s', async (_name, ifMatch) => {
    const res = await fetchBytes({ 'If-Match': ifMatch(), Range: 'bytes=0-9' }).expect(206);
    expect(Buffer.compare(res.body as Buffer, jpeg.subarray(0, 10))).toBe(0);
  });
});
